import { CardArtError } from '../errors.ts';

/** 5 MB: card logos are a few hundred KB at most; more is an attack on the SVG parser. */
export const MAX_SVG_BYTES = 5 * 1024 * 1024;

/** Only same-document fragments and embedded bitmaps may be referenced; never files, URLs or nested SVG. */
const SAFE_REFERENCE = /^(?:#|data:image\/(?:png|jpeg|jpg|gif|webp)[;,])/i;
const W3C_DTD = /^https?:\/\/www\.w3\.org\//i;

/**
 * Refuses (502 SVG_UNSAFE) an SVG that could run code, read files or reach the network when rendered:
 * scripts, entity declarations, foreignObject, event handlers, external stylesheets and references
 * (href, xlink:href, CSS url(), @import) to anything but `#fragment` or `data:image/...`.
 */
export function assertSafeSvg(svg: Buffer): void {
  if (svg.length > MAX_SVG_BYTES) {
    throw new CardArtError('SVG_TOO_LARGE', `SVG is ${svg.length} bytes; the limit is ${MAX_SVG_BYTES}`);
  }
  const text = svg.toString('utf8');
  const lower = text.toLowerCase();
  for (const [needle, what] of [
    ['<script', 'a script element'],
    ['<!entity', 'an entity declaration'],
    ['<foreignobject', 'a foreignObject element'],
    ['<?xml-stylesheet', 'an external stylesheet'],
    ['@import', 'a CSS @import'],
  ] as const) {
    if (lower.includes(needle)) unsafe(what);
  }
  for (const doctype of lower.matchAll(/<!doctype\b[^>]*>?/g)) {
    if (doctype[0].includes('[')) unsafe('a DOCTYPE with an internal subset');
    for (const quoted of doctype[0].matchAll(/["']([^"']*)["']/g)) {
      const value = quoted[1]!;
      const publicId = /^[-+]\/\//.test(value);
      if (!publicId && !W3C_DTD.test(value)) unsafe(`a DOCTYPE pointing at ${value}`);
    }
  }
  for (const tag of text.matchAll(/<[A-Za-z][^>]*>/g)) checkTag(tag[0]);
  for (const url of text.matchAll(/url\s*\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\)?/gi)) {
    const target = (url[1] ?? url[2] ?? url[3] ?? '').trim();
    if (!SAFE_REFERENCE.test(target)) unsafe(`a CSS url(${target.slice(0, 60)})`);
  }
}

function checkTag(tag: string): void {
  const handler = /[\s/"']on[a-z0-9_-]*\s*=/i.exec(tag);
  if (handler) unsafe(`an event handler attribute (${handler[0].trim()})`);
  for (const attribute of tag.matchAll(/[\s"'/]((?:[a-z_][\w.-]*:)?href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*))/gi)) {
    const target = (attribute[2] ?? attribute[3] ?? attribute[4] ?? '').trim();
    if (!SAFE_REFERENCE.test(target)) unsafe(`${attribute[1]}="${target.slice(0, 60)}"`);
  }
}

function unsafe(what: string): never {
  throw new CardArtError('SVG_UNSAFE', `SVG refused: it contains ${what}`);
}
