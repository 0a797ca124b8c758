/**
 * SVG sanitizing by rebuilding: the bytes are parsed as XML (@xmldom/xmldom), checked against an allow-list of
 * elements and attributes, and a new document is written from what passed. Nothing of the input survives that
 * the allow-list did not name: no comments, processing instructions, DOCTYPE, foreign namespaces or unknown
 * attributes. Anything that could run code, load or link elsewhere is refused (502 SVG_UNSAFE) rather than dropped,
 * so a hostile logo is visible as such. On the way, conditional processing is decided (`svg-conditions.ts`),
 * `<use>` cycles are left out and `<use>` fan-out is bounded (`svg-use-graph.ts`).
 */
import { DOMParser, type Element as XmlElement, type Node as XmlNode } from '@xmldom/xmldom';
import { CardArtError } from '../errors.ts';
import { absoluteUnitsToPx, LENGTH_ATTRIBUTES } from './svg-absolute-units.ts';
import { CONDITIONAL_ELEMENTS, passesConditions } from './svg-conditions.ts';
import { analyzeUseGraph } from './svg-use-graph.ts';

/** 5 MB: card logos are a few hundred KB at most; more is an attack on the SVG parser. */
export const MAX_SVG_BYTES = 5 * 1024 * 1024;
/** 20 000 elements: an intricate exported logo has a few thousand paths. */
export const MAX_SVG_ELEMENTS = 20_000;
/** Nesting deeper than this is not drawing but an attack on recursive renderers. */
const MAX_SVG_DEPTH = 64;
/**
 * Elements drawn once every `<use>` is expanded: 5× the element bound, room for a motif repeated by `<use>`, while
 * nested `<use>` fan-out (each level multiplying the last, a billion laughs in geometry) is refused.
 */
export const MAX_SVG_DRAWN_ELEMENTS = 5 * MAX_SVG_ELEMENTS;

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
/** Namespaces whose elements or attributes can script, embed or link: refused, not dropped. */
const HOSTILE_NAMESPACES = new Set(['http://www.w3.org/1999/xhtml', 'http://www.w3.org/1998/Math/MathML', 'http://www.w3.org/2001/xml-events']);

const ALLOWED_ELEMENTS = new Set(
  (
    'svg g defs symbol use title desc switch a path rect circle ellipse line polyline polygon text tspan textPath ' +
    'linearGradient radialGradient stop pattern clipPath mask marker style image filter feBlend feColorMatrix ' +
    'feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight ' +
    'feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset ' +
    'fePointLight feSpecularLighting feSpotLight feTile feTurbulence'
  ).split(' '),
);
/**
 * Compared lower-cased: scripting, embedding, animation (SMIL can rewrite href) and external filters. (`<a>` is
 * kept as a group only while it links nowhere: an `href` off the document is refused in checkAttribute.)
 */
const REFUSED_ELEMENTS = new Set(
  (
    'script foreignobject iframe object embed set animate animatemotion animatetransform animatecolor discard ' +
    'feimage handler listener audio video canvas cursor font-face-uri mpath view html body form input button'
  ).split(' '),
);
const ALLOWED_ATTRIBUTES = new Set(
  (
    'id class style transform viewBox preserveAspectRatio width height x y x1 y1 x2 y2 cx cy r rx ry fx fy fr d ' +
    'points pathLength offset gradientUnits gradientTransform spreadMethod patternUnits patternContentUnits ' +
    'patternTransform clipPathUnits maskUnits maskContentUnits markerUnits markerWidth markerHeight refX refY orient ' +
    'dx dy rotate textLength lengthAdjust startOffset method spacing side filterUnits primitiveUnits in in2 result ' +
    'stdDeviation mode type values operator k1 k2 k3 k4 order kernelMatrix divisor bias targetX targetY edgeMode ' +
    'kernelUnitLength preserveAlpha surfaceScale diffuseConstant specularConstant specularExponent azimuth elevation ' +
    'pointsAtX pointsAtY pointsAtZ limitingConeAngle scale xChannelSelector yChannelSelector baseFrequency ' +
    'numOctaves seed stitchTiles radius tableValues slope intercept amplitude exponent version ' +
    'fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap stroke-linejoin stroke-miterlimit ' +
    'stroke-dasharray stroke-dashoffset opacity color display visibility clip-path clip-rule mask filter ' +
    'marker-start marker-mid marker-end stop-color stop-opacity font-family font-size font-weight font-style ' +
    'font-variant font-stretch text-anchor dominant-baseline alignment-baseline baseline-shift letter-spacing ' +
    'word-spacing text-decoration writing-mode direction unicode-bidi color-interpolation ' +
    'color-interpolation-filters flood-color flood-opacity lighting-color overflow shape-rendering text-rendering ' +
    'image-rendering vector-effect paint-order mix-blend-mode isolation transform-origin mask-type'
  ).split(' '),
);
/** Same-document fragment references only (an id may start with a digit: renderers resolve `#1` too). */
const FRAGMENT = /^#[\p{L}\p{N}_.:-]+$/u;
const DATA_IMAGE = /^data:image\/(?:png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/=\s]*$/i;
const W3C_DTD = /^https?:\/\/www\.w3\.org\//i;
/** CSS that can load, script or escape the checks: `\` (escapes such as `u\72l(`), at-rules, legacy script hooks. */
const CSS_FORBIDDEN = /\\|@|<|expression\s*\(|javascript:|vbscript:|-moz-binding|behavior\s*:|image-set\s*\(|image\s*\(|element\s*\(|cross-fade\s*\(|src\s*\(/i;

export interface SanitizeOptions {
  /** Keep `<image href="data:image/png;base64,…">` (rasterizing); the passthrough allows only `#…` references. */
  allowDataImages?: boolean;
  /** Write absolute lengths (`mm`, `pt` …) as px (for librsvg in sharp, see svg-absolute-units.ts). */
  absoluteUnitsAsPx?: boolean;
}

/** Both options the rasterizer needs: librsvg draws embedded bitmaps, and resolves absolute units wrongly. */
export const RASTERIZE_OPTIONS: SanitizeOptions = { allowDataImages: true, absoluteUnitsAsPx: true };

/** An element as rebuilt: only allow-listed names and attributes, text unescaped until written. */
interface SafeElement {
  name: string;
  attributes: Array<{ name: string; value: string }>;
  children: Array<SafeElement | string>;
  elements: SafeElement[];
  id?: string;
  useTargets?: string[];
}

/** The SVG rebuilt from its allow-listed parts (UTF-8), or a 502 SVG_UNSAFE / SVG_INVALID / SVG_TOO_LARGE. */
export function sanitizeSvg(bytes: Buffer, options: SanitizeOptions = {}): Buffer {
  if (bytes.length > MAX_SVG_BYTES) {
    throw new CardArtError('SVG_TOO_LARGE', `SVG is ${bytes.length} bytes; the limit is ${MAX_SVG_BYTES}`);
  }
  const text = decodeUtf8(bytes);
  const document = parse(text);
  for (let node = document.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 7 && /stylesheet/i.test((node as unknown as { target: string }).target)) unsafe('an xml-stylesheet instruction');
    if (node.nodeType === 10) checkDoctype(node as unknown as { internalSubset?: string; publicId?: string; systemId?: string });
  }
  const root = document.documentElement;
  if (!root || root.localName !== 'svg' || root.namespaceURI !== SVG_NS) {
    throw new CardArtError('SVG_INVALID', 'SVG root element is not <svg> in the SVG namespace');
  }
  const state: RebuildState = { elements: 0, usesXlink: false, options };
  const rebuilt = rebuild(root, 0, state) ?? { name: 'svg', attributes: [], children: [], elements: [] };
  const { cyclicUses, drawnElements } = analyzeUseGraph(rebuilt, MAX_SVG_DRAWN_ELEMENTS + 1);
  if (drawnElements > MAX_SVG_DRAWN_ELEMENTS) unsafe(`<use> references that draw more than ${MAX_SVG_DRAWN_ELEMENTS} elements`);
  const out: string[] = [];
  write(rebuilt, out, cyclicUses);
  const rootTag = `<svg xmlns="${SVG_NS}"${state.usesXlink ? ` xmlns:xlink="${XLINK_NS}"` : ''}`;
  return Buffer.from(rootTag + out.join('').slice('<svg'.length), 'utf8');
}

/** Refuses what sanitizeSvg would refuse (kept for callers that only need the verdict). */
export function assertSafeSvg(bytes: Buffer, options: SanitizeOptions = { allowDataImages: true }): void {
  sanitizeSvg(bytes, options);
}

interface RebuildState {
  elements: number;
  usesXlink: boolean;
  options: SanitizeOptions;
}

/** UTF-8 only: a UTF-16 body (BOM or NUL bytes) or invalid UTF-8 could be read differently by another parser. */
function decodeUtf8(bytes: Buffer): string {
  if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0xff && bytes[1] === 0xfe) || bytes.includes(0)) {
    unsafe('UTF-16 or NUL bytes');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CardArtError('SVG_INVALID', 'SVG is not valid UTF-8');
  }
  const declared = /^\uFEFF?<\?xml[^>]*encoding\s*=\s*["']([^"']*)["']/i.exec(text)?.[1];
  if (declared && !/^(?:utf-8|us-ascii)$/i.test(declared)) unsafe(`a declared encoding of ${declared}`);
  // Entities are never needed in a logo; refusing the declaration keeps every expansion trick out.
  if (/<!ENTITY/i.test(text)) unsafe('an entity declaration');
  return text;
}

function parse(text: string) {
  try {
    return new DOMParser({
      onError: (level: string, message: string) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'image/svg+xml');
  } catch (error) {
    throw new CardArtError('SVG_INVALID', 'SVG is not well-formed XML', { cause: error });
  }
}

function checkDoctype(doctype: { internalSubset?: string; publicId?: string; systemId?: string }): void {
  if (doctype.internalSubset && doctype.internalSubset.trim() !== '') unsafe('a DOCTYPE with an internal subset');
  // xmldom keeps the quotes around the identifier.
  const systemId = doctype.systemId?.replace(/^["']|["']$/g, '');
  if (systemId && !W3C_DTD.test(systemId)) unsafe(`a DOCTYPE pointing at ${systemId.slice(0, 60)}`);
}

/**
 * The element rebuilt from its allow-listed parts, or undefined when it is left out (unknown or foreign, or not
 * drawn by its conditions). Everything inside is checked first either way: what is left out is still refused.
 */
function rebuild(element: XmlElement, depth: number, state: RebuildState): SafeElement | undefined {
  const name = element.localName ?? element.nodeName;
  const ns = element.namespaceURI;
  if (REFUSED_ELEMENTS.has(name.toLowerCase())) unsafe(`a <${element.nodeName}> element`);
  if (ns && HOSTILE_NAMESPACES.has(ns)) unsafe(`an element in ${ns}`);
  // Editor metadata (sodipodi, inkscape, rdf …) and unknown elements are left out with their content.
  if (ns !== SVG_NS || !ALLOWED_ELEMENTS.has(name)) return undefined;
  if (++state.elements > MAX_SVG_ELEMENTS) unsafe(`more than ${MAX_SVG_ELEMENTS} elements`);
  if (depth > MAX_SVG_DEPTH) unsafe(`elements nested deeper than ${MAX_SVG_DEPTH}`);
  const rebuilt: SafeElement = { name, attributes: [], children: [], elements: [] };
  for (let i = 0; i < element.attributes.length; i++) {
    const attribute = element.attributes.item(i)!;
    const kept = checkAttribute(name, attribute, state);
    if (!kept) continue;
    rebuilt.attributes.push(kept);
    if (kept.name === 'id') rebuilt.id = kept.value;
    if (name === 'use' && (kept.name === 'href' || kept.name === 'xlink:href')) (rebuilt.useTargets ??= []).push(kept.value.slice(1));
  }
  for (let child: XmlNode | null = element.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 1) {
      const kept = rebuild(child as XmlElement, depth + 1, state);
      if (kept) rebuilt.children.push(kept);
    } else if (child.nodeType === 3 || child.nodeType === 4) {
      const value = child.nodeValue ?? '';
      if (name === 'style') checkCss(value);
      rebuilt.children.push(name === 'style' && state.options.absoluteUnitsAsPx ? absoluteUnitsToPx(value) : value);
    }
  }
  if (name === 'switch') chooseSwitchChild(rebuilt);
  rebuilt.elements = rebuilt.children.filter((child): child is SafeElement => typeof child !== 'string');
  if (CONDITIONAL_ELEMENTS.has(name) && !passesConditions((attribute) => element.getAttribute(attribute))) return undefined;
  return rebuilt;
}

/**
 * `<switch>` draws its first direct child whose conditions hold (the failing ones are already gone) and none of
 * the others; written as the `<g>` it then is, so no renderer decides again.
 */
function chooseSwitchChild(element: SafeElement): void {
  let chosen = false;
  element.children = element.children.filter((child) => {
    if (typeof child === 'string' || !CONDITIONAL_ELEMENTS.has(child.name)) return true;
    if (chosen) return false;
    chosen = true;
    return true;
  });
  element.name = 'g';
}

function write(element: SafeElement, out: string[], leftOut: Set<SafeElement>): void {
  if (leftOut.has(element)) return;
  out.push('<', element.name);
  for (const { name, value } of element.attributes) out.push(' ', name, '="', escapeXml(value), '"');
  out.push('>');
  for (const child of element.children) {
    if (typeof child === 'string') out.push(escapeXml(child));
    else write(child, out, leftOut);
  }
  out.push('</', element.name, '>');
}

function checkAttribute(
  elementName: string,
  attribute: { name: string; localName: string | null; namespaceURI: string | null; value: string },
  state: RebuildState,
): { name: string; value: string } | undefined {
  const local = attribute.localName ?? attribute.name;
  const ns = attribute.namespaceURI;
  const value = attribute.value;
  if (/^on/i.test(local)) unsafe(`an event handler attribute (${attribute.name})`);
  if (ns && HOSTILE_NAMESPACES.has(ns)) unsafe(`an attribute in ${ns}`);
  if (/^\s*(?:javascript|vbscript|data:text)/i.test(value)) unsafe(`${attribute.name}="${value.slice(0, 60)}"`);
  // Declarations are rewritten on the root; the prefix xlink is accepted even when undeclared.
  if (attribute.name === 'xmlns' || attribute.name.startsWith('xmlns:')) return undefined;
  const isHref = local === 'href' && (ns === null || ns === XLINK_NS || attribute.name === 'xlink:href');
  if (isHref) {
    const target = value.trim();
    const dataImage = elementName === 'image' && state.options.allowDataImages && DATA_IMAGE.test(target);
    if (!FRAGMENT.test(target) && !dataImage) unsafe(`${attribute.name}="${target.slice(0, 60)}"`);
    // A link is never written: the logo is a picture, and a kept `<a>` is only a group.
    if (elementName === 'a') return undefined;
    const name = ns === XLINK_NS || attribute.name === 'xlink:href' ? 'xlink:href' : 'href';
    if (name === 'xlink:href') state.usesXlink = true;
    return { name, value: target };
  }
  if (ns === XML_NS && local === 'space') return { name: 'xml:space', value };
  if (ns !== null || !ALLOWED_ATTRIBUTES.has(local)) return undefined;
  checkCss(value);
  const resolveUnits = state.options.absoluteUnitsAsPx && (local === 'style' || LENGTH_ATTRIBUTES.has(local));
  return { name: local, value: resolveUnits ? absoluteUnitsToPx(value) : value };
}

/** CSS text (style attributes and elements, presentation values): only `url(#fragment)` may reference anything. */
function checkCss(css: string): void {
  const forbidden = CSS_FORBIDDEN.exec(css);
  if (forbidden) unsafe(`CSS containing ${JSON.stringify(forbidden[0])}`);
  // Comments could split a token past the checks (`ur/**/l(`): judge the text with them removed.
  const plain = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const url of plain.matchAll(/url\s*\(\s*(?:"([^"]*)"|'([^']*)'|([^)]*))\s*\)?/gi)) {
    const target = (url[1] ?? url[2] ?? url[3] ?? '').trim();
    if (!FRAGMENT.test(target)) unsafe(`a CSS url(${target.slice(0, 60)})`);
  }
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : char === '>' ? '&gt;' : '&quot;'));
}

function unsafe(what: string): never {
  throw new CardArtError('SVG_UNSAFE', `SVG refused: it contains ${what}`);
}
