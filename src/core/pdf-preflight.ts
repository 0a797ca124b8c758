/**
 * A look at a PDF's objects before pdf.js parses it, to bound what the document can make us allocate and draw:
 * declared image sizes, the decoded size of its Flate and LZW streams (a 1 MB stream can decode to gigabytes, and
 * pdf.js keeps a content stream's decoded bytes whole), and what drawing page 1 costs (image pixels painted and path
 * segments built, every form, tiling pattern and Type 3 glyph counted each time it is drawn: see pdf-draw-cost.ts).
 * pdf.js exposes no hook for any of these, so this scans the objects itself: every `N G obj … endobj` (and those
 * packed in object streams), names with `#xx` escapes decoded. It only bounds; pdf.js still does the real parsing
 * (with its own maxImageSize as a backstop for anything missed here, and the render time limit behind everything).
 */
import type { Transform } from 'node:stream';
import { createInflate } from 'node:zlib';
import { CardArtError } from '../errors.ts';
import type { PixelSize } from './asset-media.ts';
import { createLzwDecoder } from './lzw-decode.ts';
import { decodeAscii85, decodeAsciiHex, decodeRunLength } from './pdf-byte-filters.ts';
import { DrawCostUnknown, estimateDrawCost, imageSize, type PdfObject } from './pdf-draw-cost.ts';
import { DEFAULT_PDF_MAX_IMAGE_PIXELS } from './pdf-limits.ts';

/** 32 MB of inflated content, fonts and forms: an intricate vector logo inflates to a few MB. */
export const MAX_PDF_INFLATED_CONTENT_BYTES = 32 * 1024 * 1024;
/** Image stream data may inflate to at most this much (4 bytes per declared pixel of the largest allowed image, twice). */
export const MAX_PDF_INFLATED_IMAGE_BYTES = 2 * 4 * DEFAULT_PDF_MAX_IMAGE_PIXELS;
/**
 * 96 M image pixels painted on page 1 (each `Do` of an image, inline images, and those inside forms, patterns and
 * Type 3 glyphs, counted per draw): every embedded image at the largest size allowed, drawn four times. pdf.js copies
 * and rescales an image's every pixel on each draw: 26 draws of a 1900×1900 image (94 M) took 0.5–1 s at 768 px
 * wide here, 2–3 s at 1536 px on a busy machine.
 */
export const MAX_PDF_PAINTED_IMAGE_PIXELS = 4 * DEFAULT_PDF_MAX_IMAGE_PIXELS;
/**
 * 1 M path segments built on page 1 (m, l, c, v, y, h = 1, re = 4, a glyph = GLYPH_SEGMENTS; forms, patterns and
 * Type 3 glyphs counted per draw): an intricate vector logo has tens of thousands; 100 k segments of one path that
 * crosses the whole page took ~1 s at 1536 px here. Self-crossing geometry can cost more per segment; the render
 * time limit still bounds it.
 */
export const MAX_PDF_PATH_SEGMENTS = 1_000_000;
/** An embedded image may have 16× the pixels of the layer it is drawn into (downscaled art), at least 4 MP. */
const IMAGE_PIXELS_PER_LAYER_PIXEL = 16;
const MIN_IMAGE_PIXEL_BUDGET = 4_000_000;
/** All declared images together: twice the single-image bound (a background photo and a texture, say). */
const TOTAL_IMAGE_BUDGET_FACTOR = 2;
/** Stream dictionaries are a few hundred bytes; one larger than this is not looked into (pdf.js's own bounds still apply). */
const MAX_DICTIONARY_CHARS = 64 * 1024;

export interface PdfPreflight {
  /** Declared width × height of each image XObject. */
  images: PixelSize[];
  contentBytes: number;
  imageBytes: number;
  /** Image pixels drawing page 1 paints (undefined for an encrypted document, whose streams cannot be read here). */
  paintedImagePixels: number | undefined;
  /** Path segments drawing page 1 builds (undefined as above). */
  pathSegments: number | undefined;
}

/** Pixels one embedded image may have when page 1 is drawn at `layer`. */
export function imagePixelBudget(layer: PixelSize): number {
  const wanted = Math.max(MIN_IMAGE_PIXEL_BUDGET, IMAGE_PIXELS_PER_LAYER_PIXEL * layer.width * layer.height);
  return Math.min(DEFAULT_PDF_MAX_IMAGE_PIXELS, wanted);
}

/**
 * Refuses (PDF_TOO_COMPLEX) a document whose declared images need more memory than drawing it at `layer` justifies:
 * a failure of this size only (the same document may be drawn larger), so it is marked sizeSpecific.
 */
export function assertImagesFitLayer(preflight: PdfPreflight, layer: PixelSize): void {
  const budget = imagePixelBudget(layer);
  let total = 0;
  for (const image of preflight.images) {
    const pixels = image.width * image.height;
    total += pixels;
    if (pixels > budget) {
      throw tooComplex(`PDF embeds a ${image.width}x${image.height} image; a ${layer.width}x${layer.height} layer allows ${budget} pixels per image`, true);
    }
  }
  if (total > TOTAL_IMAGE_BUDGET_FACTOR * budget) {
    throw tooComplex(`PDF embeds ${total} image pixels in all; a ${layer.width}x${layer.height} layer allows ${TOTAL_IMAGE_BUDGET_FACTOR * budget}`, true);
  }
}

/**
 * Scans every object; refuses images over the absolute bound, Flate or LZW data that decodes past the caps, and a
 * page whose drawing paints more than MAX_PDF_PAINTED_IMAGE_PIXELS or builds more than MAX_PDF_PATH_SEGMENTS.
 */
export async function preflightPdf(bytes: Buffer): Promise<PdfPreflight> {
  const text = bytes.toString('latin1');
  const result: PdfPreflight = { images: [], contentBytes: 0, imageBytes: 0, paintedImagePixels: undefined, pathSegments: undefined };
  const objects = new Map<number, PdfObject[]>();
  const define = (num: number, object: PdfObject) => {
    const definitions = objects.get(num);
    if (definitions) definitions.push(object);
    else objects.set(num, [object]);
  };
  const objectStreams: Array<{ dictionary: string; data: Buffer }> = [];
  // Content read for the cost estimate counts against the same budget as everything else inflated here.
  let contentBudget = MAX_PDF_INFLATED_CONTENT_BYTES;
  const readContent = async (dictionary: string, data: Buffer) => {
    const decoded = await decodeStream(data, dictionary, contentBudget);
    if (decoded === 'over') throw tooComplex(`PDF content decodes to more than ${MAX_PDF_INFLATED_CONTENT_BYTES} bytes`);
    if (decoded) contentBudget -= decoded.length;
    return decoded;
  };
  const objectHeader = /(?<![0-9])(\d{1,10})\s+\d{1,5}\s+obj\b/g;
  for (let header = objectHeader.exec(text); header; header = objectHeader.exec(text)) {
    const num = Number(header[1]);
    const bodyStart = header.index + header[0].length;
    const streamAt = findStreamKeyword(text, bodyStart);
    if (streamAt < 0) {
      const body = objectBody(text, bodyStart);
      define(num, body.complete ? { text: decodeNames(body.text) } : { text: '', unreadable: `object ${num} is larger than ${MAX_DICTIONARY_CHARS} characters before its data` });
      continue;
    }
    const dictionary = decodeNames(text.slice(bodyStart, streamAt));
    let dataStart = streamAt + 'stream'.length;
    if (text[dataStart] === '\r') dataStart++;
    if (text[dataStart] === '\n') dataStart++;
    let dataEnd = text.indexOf('endstream', dataStart);
    if (dataEnd < 0) dataEnd = text.length;
    objectHeader.lastIndex = dataEnd;
    const data = bytes.subarray(dataStart, dataEnd);
    const object: PdfObject & { decoded?: Buffer } = { text: dictionary, readContent: async () => object.decoded ?? readContent(dictionary, data) };
    define(num, object);
    if (/\/Type\s*\/ObjStm\b/.test(dictionary)) objectStreams.push({ dictionary, data });
    const isImage = /\/Subtype\s*\/Image\b/.test(dictionary);
    if (isImage) {
      const { width, height } = imageSize(dictionary);
      if (width > 0 && height > 0) {
        if (width * height > DEFAULT_PDF_MAX_IMAGE_PIXELS) {
          throw tooComplex(`PDF embeds a ${width}x${height} image; the limit is ${DEFAULT_PDF_MAX_IMAGE_PIXELS} pixels`);
        }
        result.images.push({ width, height });
      }
    }
    const layers = leadingDecoders(dictionary);
    if (layers.length === 0) continue;
    const budgetLeft = isImage ? MAX_PDF_INFLATED_IMAGE_BYTES - result.imageBytes : MAX_PDF_INFLATED_CONTENT_BYTES - result.contentBytes;
    // Content that decodes through Flate and LZW alone is kept for the cost estimate, so it is inflated once.
    const keep = !isImage && layers.length === filterNames(dictionary).length && !hasPredictor(dictionary);
    const inflated = await runDecoders(data, layers, budgetLeft, keep);
    if (inflated.bytes > budgetLeft) {
      const limit = isImage ? MAX_PDF_INFLATED_IMAGE_BYTES : MAX_PDF_INFLATED_CONTENT_BYTES;
      throw tooComplex(`PDF ${isImage ? 'image data' : 'content'} decodes to more than ${limit} bytes`);
    }
    if (keep) object.decoded = Buffer.concat(inflated.chunks, inflated.bytes);
    if (isImage) result.imageBytes += inflated.bytes;
    else result.contentBytes += inflated.bytes;
  }
  // An encrypted document's streams and strings are ciphertext here; its drawing is bounded by the time limit alone.
  if (/\/Encrypt\s*(?:<<|\d+\s+\d+\s+R\b)/.test(text)) return result;
  for (const packed of objectStreams) await unpackObjectStream(packed, define, readContent);
  let cost;
  try {
    cost = await estimateDrawCost(objects);
  } catch (error) {
    if (error instanceof DrawCostUnknown) throw tooComplex(`PDF drawing cannot be bounded: ${error.message}`);
    throw error;
  }
  result.paintedImagePixels = cost.paintedImagePixels;
  result.pathSegments = cost.pathSegments;
  if (cost.paintedImagePixels > MAX_PDF_PAINTED_IMAGE_PIXELS) {
    throw tooComplex(`PDF page 1 paints ${cost.paintedImagePixels} image pixels; the limit is ${MAX_PDF_PAINTED_IMAGE_PIXELS}`);
  }
  if (cost.pathSegments > MAX_PDF_PATH_SEGMENTS) {
    throw tooComplex(`PDF page 1 builds ${cost.pathSegments} path segments; the limit is ${MAX_PDF_PATH_SEGMENTS}`);
  }
  return result;
}

/**
 * A non-stream object's text up to its `endobj`, looked for within MAX_DICTIONARY_CHARS (page and resource
 * dictionaries are small); not complete when it is not found there (what a stream with a padded dictionary looks like).
 */
function objectBody(text: string, from: number): { text: string; complete: boolean } {
  const window = text.slice(from, from + MAX_DICTIONARY_CHARS);
  const end = window.indexOf('endobj');
  return end < 0 ? { text: window, complete: from + MAX_DICTIONARY_CHARS >= text.length } : { text: window.slice(0, end), complete: true };
}

/** Adds the objects packed in an object stream (`/N` pairs of object number and offset, then the objects from `/First`). */
async function unpackObjectStream(
  packed: { dictionary: string; data: Buffer },
  define: (num: number, object: PdfObject) => void,
  readContent: (dictionary: string, data: Buffer) => Promise<Buffer | undefined>,
): Promise<void> {
  const count = Number(/\/N\s+(\d+)/.exec(packed.dictionary)?.[1] ?? 0);
  const first = Number(/\/First\s+(\d+)/.exec(packed.dictionary)?.[1] ?? 0);
  const decoded = await readContent(packed.dictionary, packed.data);
  if (!decoded || count === 0) return;
  const body = decoded.toString('latin1');
  const pairs = body.slice(0, first).trim().split(/\s+/).map(Number);
  for (let i = 0; i < count && 2 * i + 1 < pairs.length; i++) {
    const num = pairs[2 * i]!;
    const start = first + pairs[2 * i + 1]!;
    const end = 2 * i + 3 < pairs.length ? first + pairs[2 * i + 3]! : body.length;
    if (Number.isFinite(start) && start >= first) define(num, { text: decodeNames(body.slice(start, Math.min(end, start + MAX_DICTIONARY_CHARS))) });
  }
}

/** Index of the `stream` keyword that starts this object's data, or -1 when the object has none. */
function findStreamKeyword(text: string, from: number): number {
  // A stream's dictionary is small; looking only this far keeps the scan linear in the file size.
  const window = text.slice(from, from + MAX_DICTIONARY_CHARS);
  const endobj = window.indexOf('endobj');
  const at = window.indexOf('stream');
  if (at < 0 || (endobj >= 0 && at > endobj)) return -1;
  // `stream` must follow the dictionary's `>>`, not be part of a name or string inside it.
  return /(>>)\s*$/.test(window.slice(Math.max(0, at - 64), at)) ? from + at : -1;
}

/** PDF names may spell letters as #xx (`/Fl#61teDecode`); pdf.js decodes them, so the scan does too. */
function decodeNames(dictionary: string): string {
  return dictionary.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

type Decoder = 'flate' | 'lzw';
/** One decoding filter of a stream's chain (EarlyChange matters to LZW only). */
interface DecodeLayer {
  decoder: Decoder;
  earlyChange: 0 | 1;
}
const DECODERS: Readonly<Record<string, Decoder>> = { '/FlateDecode': 'flate', '/Fl': 'flate', '/LZWDecode': 'lzw', '/LZW': 'lzw' };

/** The names of a stream's filter chain, in order. */
function filterNames(dictionary: string): string[] {
  const match = /\/Filter\s*(\[[^\]]*\]|\/[^\s/<>[\]()]+)/.exec(dictionary);
  return match ? (match[1]!.match(/\/[^\s/<>[\]()]+/g) ?? []) : [];
}

/** A PNG or TIFF predictor (pdf.js applies them after Flate or LZW; the preflight does not). */
function hasPredictor(dictionary: string): boolean {
  return /\/Predictor\s+(?:[2-9]|\d\d)/.test(dictionary);
}

/** The Flate and LZW filters the filter chain starts with (after those, other filters only shrink or are bounded). */
function leadingDecoders(dictionary: string): DecodeLayer[] {
  const names = filterNames(dictionary);
  // Per-filter DecodeParms are not matched up: any EarlyChange 0 applies to every LZW layer (a bound, not a decode).
  const earlyChange = /\/EarlyChange\s+0\b/.test(dictionary) ? 0 : 1;
  const layers: DecodeLayer[] = [];
  for (const name of names) {
    const decoder = DECODERS[name];
    if (decoder === undefined) break;
    layers.push({ decoder, earlyChange });
  }
  return layers;
}

/** Decodes through Flate / LZW `layers` (streamed, so a bomb stops past `limit`), keeping the output when asked. */
function runDecoders(data: Buffer, layers: readonly DecodeLayer[], limit: number, keep: boolean): Promise<{ bytes: number; chunks: Buffer[] }> {
  return new Promise((resolve) => {
    const chain: Transform[] = layers.map((layer) =>
      layer.decoder === 'lzw' ? createLzwDecoder({ earlyChange: layer.earlyChange, maxOutputBytes: limit }) : createInflate({ finishFlush: 2 /* Z_SYNC_FLUSH: tolerate a truncated tail */ }),
    );
    let total = 0;
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      for (const stage of chain) stage.destroy();
      resolve({ bytes: total, chunks });
    };
    for (let i = 0; i < chain.length - 1; i++) chain[i]!.pipe(chain[i + 1]!);
    const last = chain[chain.length - 1]!;
    last.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (keep && total <= limit) chunks.push(chunk);
      if (total > limit) finish();
    });
    last.on('end', finish);
    // Corrupt data: pdf.js reads what it can; count what decoded so far.
    for (const stage of chain) stage.on('error', finish);
    chain[0]!.end(data);
  });
}

/** The filters a content stream may use and that the preflight reads; pdf.js accepts both spellings of each. */
const CONTENT_FILTERS: Readonly<Record<string, 'flate' | 'lzw' | 'hex' | 'a85' | 'runlength'>> = {
  ...DECODERS,
  '/ASCIIHexDecode': 'hex',
  '/AHx': 'hex',
  '/ASCII85Decode': 'a85',
  '/A85': 'a85',
  '/RunLengthDecode': 'runlength',
  '/RL': 'runlength',
};

/**
 * A stream's data decoded through its whole filter chain, for reading (content and object streams): 'over' past
 * `limit` bytes, undefined when a filter or a predictor is one the preflight does not read (no writer uses them on
 * content; pdf.js would, so the caller refuses what it cannot bound).
 */
async function decodeStream(data: Buffer, dictionary: string, limit: number): Promise<Buffer | 'over' | undefined> {
  const names = filterNames(dictionary);
  if (names.length > 0 && hasPredictor(dictionary)) return undefined;
  const earlyChange = /\/EarlyChange\s+0\b/.test(dictionary) ? 0 : 1;
  let bytes: Buffer | undefined = data;
  for (const name of names) {
    const filter = CONTENT_FILTERS[name];
    if (filter === undefined) return undefined;
    if (filter === 'flate' || filter === 'lzw') {
      const decoded = await runDecoders(bytes, [{ decoder: filter, earlyChange }], limit, true);
      if (decoded.bytes > limit) return 'over';
      bytes = Buffer.concat(decoded.chunks, decoded.bytes);
    } else {
      bytes = (filter === 'hex' ? decodeAsciiHex : filter === 'a85' ? decodeAscii85 : decodeRunLength)(bytes, limit);
      if (!bytes) return 'over';
    }
  }
  return bytes.length > limit ? 'over' : bytes;
}

function tooComplex(message: string, sizeSpecific = false): CardArtError {
  return new CardArtError('PDF_TOO_COMPLEX', message, { sizeSpecific });
}
