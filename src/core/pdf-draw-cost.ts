/**
 * What drawing page 1 would cost, read from the document before pdf.js parses it: the image pixels it paints and
 * the path segments it builds, with every form XObject, tiling pattern and Type 3 glyph counted each time it is
 * drawn (a 15 KB file can draw one 1900×1900 image 60,000 times: 217 G pixels). Names are resolved against every
 * resource dictionary in the file; a name bound to several objects counts as the costliest of them, a name found in
 * none as the costliest object of its kind, and an object number defined more than once (an updated file, or text
 * made to look like an object) as its costliest definition, so the estimate errs high, never low.
 */
import type { PixelSize } from './asset-media.ts';
import { decodePdfName, scanContentStream, type ContentCounts } from './pdf-content-scan.ts';

/** One object of the file: its dictionary (streams) or whole body (others), and a stream's decoded content on demand. */
export interface PdfObject {
  text: string;
  /** Streams only: the decoded data, or undefined when a filter cannot be read here. */
  readContent?: () => Promise<Buffer | undefined>;
  /** Why the object could not be read at all (drawing it cannot be bounded). */
  unreadable?: string;
}

export interface DrawCost {
  paintedImagePixels: number;
  pathSegments: number;
}

/**
 * A glyph drawn from a font program counts as this many path segments: an outline glyph of a text face has 10–40
 * (pdf.js draws each glyph as a path when, as here, it cannot load fonts into the canvas).
 */
export const GLYPH_SEGMENTS = 16;
/** Forms, patterns and Type 3 glyphs nest a few levels in real files; deeper nesting is refused. */
export const MAX_DRAW_NESTING = 64;

const ZERO: DrawCost = { paintedImagePixels: 0, pathSegments: 0 };
const OUTLINE_GLYPH: DrawCost = { paintedImagePixels: 0, pathSegments: GLYPH_SEGMENTS };
const REFERENCE = /(\d+)\s+\d+\s+R\b/g;
const ENTRY = /\/([^\s/<>[\]()%{}]+)\s+(\d+)\s+\d+\s+R\b/g;
type ResourceKind = 'XObject' | 'Pattern' | 'Font';

export class DrawCostUnknown extends Error {}

/** Every definition of each object number, in file order. */
export type PdfObjects = ReadonlyMap<number, readonly PdfObject[]>;

/** The cost of drawing the page(s) of `objects`; throws DrawCostUnknown when a content stream cannot be read. */
export async function estimateDrawCost(objects: PdfObjects): Promise<DrawCost> {
  const names = collectResourceNames(objects);
  const memo = new Map<number, DrawCost>();
  const inProgress = new Set<number>();

  async function streamCost(num: number, depth: number): Promise<DrawCost> {
    const known = memo.get(num);
    if (known) return known;
    // A cycle (pdf.js stops those): nothing more drawn.
    if (inProgress.has(num)) return ZERO;
    if (depth > MAX_DRAW_NESTING) throw new DrawCostUnknown(`forms, patterns or glyphs nest more than ${MAX_DRAW_NESTING} deep`);
    inProgress.add(num);
    try {
      let cost = ZERO;
      for (const object of objects.get(num) ?? []) cost = maxCost(cost, await definitionCost(num, object, depth));
      memo.set(num, cost);
      return cost;
    } finally {
      inProgress.delete(num);
    }
  }

  async function definitionCost(num: number, object: PdfObject, depth: number): Promise<DrawCost> {
    if (object.unreadable) throw new DrawCostUnknown(object.unreadable);
    // A dictionary where content was expected: nothing drawn.
    if (!object.readContent) return ZERO;
    if (isImage(object.text)) return { paintedImagePixels: imagePixels(object.text), pathSegments: 0 };
    const content = await object.readContent();
    if (!content) throw new DrawCostUnknown(`content stream ${num} uses a filter or predictor the preflight cannot read`);
    return countsCost(scanContentStream(content), depth + 1);
  }

  async function countsCost(counts: ContentCounts, depth: number): Promise<DrawCost> {
    const total = { paintedImagePixels: counts.inlineImagePixels, pathSegments: counts.segments };
    const add = (unit: DrawCost, times: number) => {
      total.paintedImagePixels += unit.paintedImagePixels * times;
      total.pathSegments += unit.pathSegments * times;
    };
    for (const [name, times] of counts.xobjects) add(await resourceCost('XObject', name, depth), times);
    for (const [name, times] of counts.patternPaints) add(await resourceCost('Pattern', name, depth), times);
    for (const [name, glyphs] of counts.glyphs) add(await glyphCost(name, depth), glyphs);
    return total;
  }

  /** The costliest object `name` may stand for; a name no dictionary binds may stand for any object of its kind. */
  async function resourceCost(kind: ResourceKind, name: string, depth: number): Promise<DrawCost> {
    const bound = names[kind].get(name);
    const candidates = bound ?? names.all[kind];
    let worst = ZERO;
    for (const num of candidates) worst = maxCost(worst, await streamCost(num, depth));
    return worst;
  }

  /** A glyph of a Type 3 font draws its costliest glyph procedure; any other glyph is an outline. */
  async function glyphCost(fontName: string, depth: number): Promise<DrawCost> {
    const candidates = names.Font.get(fontName) ?? names.all.Font;
    let worst = candidates.size === 0 ? OUTLINE_GLYPH : ZERO;
    for (const font of candidates) {
      const procedures = names.charProcs.get(font);
      if (!procedures) worst = maxCost(worst, OUTLINE_GLYPH);
      for (const procedure of procedures ?? []) worst = maxCost(worst, await streamCost(procedure, depth));
    }
    return worst;
  }

  const all = [...objects.values()].flat();
  const pages = all.map((object) => contentsOf(object.text)).filter((refs) => refs.length > 0);
  let cost = ZERO;
  if (pages.length === 0) {
    // No page dictionary was readable: every stream that may be content counts, once.
    for (const [num, definitions] of objects) {
      if (definitions.some((object) => object.readContent && mayBeContent(object.text))) cost = addCost(cost, await streamCost(num, 0));
    }
  }
  // Only page 1 is drawn; without walking the page tree, the costliest page bounds it.
  for (const refs of pages) {
    let page = ZERO;
    for (const num of refs) page = addCost(page, await streamCost(num, 0));
    cost = maxCost(cost, page);
  }
  // Annotation appearances are drawn with the page (the normal one of each; counting every one errs high).
  for (const object of all) {
    for (const num of appearanceRefs(object.text, objects)) cost = addCost(cost, await streamCost(num, 0));
  }
  return cost;
}

interface ResourceNames extends Record<ResourceKind, Map<string, Set<number>>> {
  /** Every object bound under each kind: what an unbound name may stand for. */
  all: Record<ResourceKind, Set<number>>;
  /** Type 3 font object → its glyph procedures. */
  charProcs: Map<number, number[]>;
}

/** Every name → object binding of the file's /XObject, /Pattern and /Font dictionaries (inline or referenced). */
function collectResourceNames(objects: PdfObjects): ResourceNames {
  const names: ResourceNames = {
    XObject: new Map(),
    Pattern: new Map(),
    Font: new Map(),
    all: { XObject: new Set(), Pattern: new Set(), Font: new Set() },
    charProcs: new Map(),
  };
  const resourceKey = /\/(XObject|Pattern|Font)\s*(<<|(\d+)\s+\d+\s+R\b)/g;
  for (const object of [...objects.values()].flat()) {
    for (const match of object.text.matchAll(resourceKey)) {
      const kind = match[1] as ResourceKind;
      const dictionary = match[3] ? textOf(objects, Number(match[3])) : balancedDictionary(object.text, match.index + match[0].length - 2);
      for (const [, name, num] of dictionary.matchAll(ENTRY)) {
        const key = decodePdfName(name!);
        let bound = names[kind].get(key);
        if (!bound) names[kind].set(key, (bound = new Set()));
        bound.add(Number(num));
        names.all[kind].add(Number(num));
      }
    }
  }
  for (const font of names.all.Font) {
    const text = textOf(objects, font);
    if (!/\/Subtype\s*\/Type3\b/.test(text)) continue;
    const match = /\/CharProcs\s*(<<|(\d+)\s+\d+\s+R\b)/.exec(text);
    if (!match) continue;
    const dictionary = match[2] ? textOf(objects, Number(match[2])) : balancedDictionary(text, match.index + match[0].length - 2);
    names.charProcs.set(font, [...dictionary.matchAll(ENTRY)].map((entry) => Number(entry[2])));
  }
  return names;
}

/** The text of every definition of object `num` (all of them count). */
function textOf(objects: PdfObjects, num: number): string {
  return (objects.get(num) ?? []).map((object) => object.text).join('\n');
}

/** The `<< … >>` that opens at `start` (nested dictionaries included; strings are not looked into). */
function balancedDictionary(text: string, start: number): string {
  let depth = 0;
  for (let at = start; at < text.length - 1; at++) {
    if (text[at] === '<' && text[at + 1] === '<') {
      depth++;
      at++;
    } else if (text[at] === '>' && text[at + 1] === '>') {
      depth--;
      at++;
      if (depth === 0) return text.slice(start, at + 1);
    }
  }
  return text.slice(start);
}

/** The content streams a page dictionary lists (`/Contents n 0 R` or an array of them). */
function contentsOf(text: string): number[] {
  const match = /\/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R\b)/.exec(text);
  return match ? [...match[1]!.matchAll(REFERENCE)].map((ref) => Number(ref[1])) : [];
}

/** The appearance streams of an annotation dictionary's /AP (inline or referenced). */
function appearanceRefs(text: string, objects: PdfObjects): number[] {
  const match = /\/AP\s*(<<|(\d+)\s+\d+\s+R\b)/.exec(text);
  if (!match) return [];
  const dictionary = match[2] ? textOf(objects, Number(match[2])) : balancedDictionary(text, match.index + match[0].length - 2);
  return [...dictionary.matchAll(REFERENCE)].map((ref) => Number(ref[1]));
}

function isImage(dictionary: string): boolean {
  return /\/Subtype\s*\/Image\b/.test(dictionary);
}

/** Declared width and height of an image XObject (0 when missing or indirect). */
export function imageSize(dictionary: string): PixelSize {
  return {
    width: Number(/\/Width\s+(\d+)\b(?!\s+\d+\s+R)/.exec(dictionary)?.[1] ?? 0),
    height: Number(/\/Height\s+(\d+)\b(?!\s+\d+\s+R)/.exec(dictionary)?.[1] ?? 0),
  };
}

function imagePixels(dictionary: string): number {
  const { width, height } = imageSize(dictionary);
  return width * height;
}

/** Streams that hold something other than drawing operators: images, fonts, colour profiles, object and xref streams. */
function mayBeContent(dictionary: string): boolean {
  return !(
    isImage(dictionary) ||
    /\/Length[123]\b|\/Subtype\s*\/(?:Type1C|CIDFontType0C|OpenType|XML)\b|\/Type\s*\/(?:ObjStm|XRef|Metadata|EmbeddedFile|CMap)\b|\/N\s+\d|\/(?:FunctionType|ShadingType)\b/.test(
      dictionary,
    )
  );
}

function addCost(a: DrawCost, b: DrawCost): DrawCost {
  return { paintedImagePixels: a.paintedImagePixels + b.paintedImagePixels, pathSegments: a.pathSegments + b.pathSegments };
}

function maxCost(a: DrawCost, b: DrawCost): DrawCost {
  return { paintedImagePixels: Math.max(a.paintedImagePixels, b.paintedImagePixels), pathSegments: Math.max(a.pathSegments, b.pathSegments) };
}
