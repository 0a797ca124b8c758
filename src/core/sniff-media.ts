import type { MediaKind } from './asset-media.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** PDF readers accept the header anywhere in the first 1024 bytes (Acrobat's rule). */
const PDF_HEADER_WINDOW = 1024;
/** Enough for an XML declaration, a DOCTYPE and an editor's comments before the root element. */
const SVG_PROLOG_WINDOW = 64 * 1024;

/** `<svg` or `<prefix:svg`, then the end of the name. */
const SVG_ROOT = /^<(?:[A-Za-z_][\w.-]*:)?svg[\s>/]/;
/** Enough of the root tag for a prefix of a few dozen characters. */
const MAX_ROOT_TAG_CHARS = 64;

/** The media kind the bytes really are, or undefined when they are none of PNG, PDF, SVG. */
export function sniffMediaKind(bytes: Buffer): MediaKind | undefined {
  if (bytes.length >= PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    return 'png';
  }
  if (bytes.subarray(0, PDF_HEADER_WINDOW).includes('%PDF-', 0, 'latin1')) return 'pdf';
  if (startsWithSvgRoot(bytes)) return 'svg';
  return undefined;
}

/**
 * True when, after a BOM, whitespace, the XML declaration, comments, processing instructions and a DOCTYPE, the root
 * is `<svg` or a prefixed `<x:svg` (the sanitizer then checks that its namespace really is SVG's).
 */
function startsWithSvgRoot(bytes: Buffer): boolean {
  let text = bytes.subarray(0, SVG_PROLOG_WINDOW).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (text.startsWith('<?', at)) {
      const end = text.indexOf('?>', at + 2);
      if (end < 0) return false;
      at = end + 2;
    } else if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at + 4);
      if (end < 0) return false;
      at = end + 3;
    } else if (text.startsWith('<!DOCTYPE', at)) {
      const end = doctypeEnd(text, at);
      if (end < 0) return false;
      at = end;
    } else {
      return SVG_ROOT.test(text.slice(at, at + MAX_ROOT_TAG_CHARS));
    }
  }
}

/** Index just after a DOCTYPE declaration, skipping an internal subset in brackets; -1 if unterminated. */
function doctypeEnd(text: string, start: number): number {
  const bracket = text.indexOf('[', start);
  const close = text.indexOf('>', start);
  if (close < 0) return -1;
  if (bracket >= 0 && bracket < close) {
    const subsetEnd = text.indexOf(']', bracket);
    if (subsetEnd < 0) return -1;
    const after = text.indexOf('>', subsetEnd);
    return after < 0 ? -1 : after + 1;
  }
  return close + 1;
}
