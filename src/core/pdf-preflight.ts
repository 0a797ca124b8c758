/**
 * A look at a PDF's streams before pdf.js parses it, to bound what the document can make us allocate:
 * declared image sizes and the decoded size of its Flate and LZW streams (a 1 MB stream can decode to gigabytes, and
 * pdf.js keeps a content stream's decoded bytes whole). pdf.js exposes no hook for either, so this scans the stream
 * objects itself: every `N G obj … stream … endstream`, names with `#xx` escapes decoded. It only bounds;
 * pdf.js still does the real parsing (with its own maxImageSize as a backstop for anything missed here).
 */
import type { Transform } from 'node:stream';
import { createInflate } from 'node:zlib';
import { CardArtError } from '../errors.ts';
import type { PixelSize } from './asset-media.ts';
import { createLzwDecoder } from './lzw-decode.ts';
import { DEFAULT_PDF_MAX_IMAGE_PIXELS } from './pdf-limits.ts';

/** 32 MB of inflated content, fonts and forms: an intricate vector logo inflates to a few MB. */
export const MAX_PDF_INFLATED_CONTENT_BYTES = 32 * 1024 * 1024;
/** Image stream data may inflate to at most this much (4 bytes per declared pixel of the largest allowed image, twice). */
export const MAX_PDF_INFLATED_IMAGE_BYTES = 2 * 4 * DEFAULT_PDF_MAX_IMAGE_PIXELS;
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
}

/** Pixels one embedded image may have when page 1 is drawn at `layer`. */
export function imagePixelBudget(layer: PixelSize): number {
  const wanted = Math.max(MIN_IMAGE_PIXEL_BUDGET, IMAGE_PIXELS_PER_LAYER_PIXEL * layer.width * layer.height);
  return Math.min(DEFAULT_PDF_MAX_IMAGE_PIXELS, wanted);
}

/** Refuses (PDF_TOO_COMPLEX) a document whose declared images need more memory than drawing it at `layer` justifies. */
export function assertImagesFitLayer(preflight: PdfPreflight, layer: PixelSize): void {
  const budget = imagePixelBudget(layer);
  let total = 0;
  for (const image of preflight.images) {
    const pixels = image.width * image.height;
    total += pixels;
    if (pixels > budget) {
      throw tooComplex(`PDF embeds a ${image.width}x${image.height} image; a ${layer.width}x${layer.height} layer allows ${budget} pixels per image`);
    }
  }
  if (total > TOTAL_IMAGE_BUDGET_FACTOR * budget) {
    throw tooComplex(`PDF embeds ${total} image pixels in all; a ${layer.width}x${layer.height} layer allows ${TOTAL_IMAGE_BUDGET_FACTOR * budget}`);
  }
}

/** Scans every stream object; refuses images over the absolute bound and Flate or LZW data that decodes past the caps. */
export async function preflightPdf(bytes: Buffer): Promise<PdfPreflight> {
  const text = bytes.toString('latin1');
  const result: PdfPreflight = { images: [], contentBytes: 0, imageBytes: 0 };
  const objectHeader = /(?<![0-9])\d{1,10}\s+\d{1,5}\s+obj\b/g;
  for (let header = objectHeader.exec(text); header; header = objectHeader.exec(text)) {
    const bodyStart = header.index + header[0].length;
    const streamAt = findStreamKeyword(text, bodyStart);
    if (streamAt < 0) continue;
    const dictionary = decodeNames(text.slice(bodyStart, streamAt));
    let dataStart = streamAt + 'stream'.length;
    if (text[dataStart] === '\r') dataStart++;
    if (text[dataStart] === '\n') dataStart++;
    let dataEnd = text.indexOf('endstream', dataStart);
    if (dataEnd < 0) dataEnd = text.length;
    objectHeader.lastIndex = dataEnd;
    const isImage = /\/Subtype\s*\/Image\b/.test(dictionary);
    if (isImage) {
      const width = Number(/\/Width\s+(\d+)\b(?!\s+\d+\s+R)/.exec(dictionary)?.[1] ?? 0);
      const height = Number(/\/Height\s+(\d+)\b(?!\s+\d+\s+R)/.exec(dictionary)?.[1] ?? 0);
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
    const inflated = await decodedSize(bytes.subarray(dataStart, dataEnd), layers, budgetLeft);
    if (inflated > budgetLeft) {
      const limit = isImage ? MAX_PDF_INFLATED_IMAGE_BYTES : MAX_PDF_INFLATED_CONTENT_BYTES;
      throw tooComplex(`PDF ${isImage ? 'image data' : 'content'} decodes to more than ${limit} bytes`);
    }
    if (isImage) result.imageBytes += inflated;
    else result.contentBytes += inflated;
  }
  return result;
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

/** The Flate and LZW filters the filter chain starts with (after those, other filters only shrink or are bounded). */
function leadingDecoders(dictionary: string): DecodeLayer[] {
  const match = /\/Filter\s*(\[[^\]]*\]|\/[^\s/<>[\]()]+)/.exec(dictionary);
  if (!match) return [];
  const names = match[1]!.match(/\/[^\s/<>[\]()]+/g) ?? [];
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

/** Bytes the data decodes to through `layers`, counting without keeping them; stops past `limit`. */
function decodedSize(data: Buffer, layers: readonly DecodeLayer[], limit: number): Promise<number> {
  return new Promise((resolve) => {
    const chain: Transform[] = layers.map((layer) =>
      layer.decoder === 'lzw' ? createLzwDecoder({ earlyChange: layer.earlyChange, maxOutputBytes: limit }) : createInflate({ finishFlush: 2 /* Z_SYNC_FLUSH: tolerate a truncated tail */ }),
    );
    let total = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      for (const stage of chain) stage.destroy();
      resolve(total);
    };
    for (let i = 0; i < chain.length - 1; i++) chain[i]!.pipe(chain[i + 1]!);
    const last = chain[chain.length - 1]!;
    last.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) finish();
    });
    last.on('end', finish);
    // Corrupt data: pdf.js reads what it can; count what decoded so far.
    for (const stage of chain) stage.on('error', finish);
    chain[0]!.end(data);
  });
}

function tooComplex(message: string): CardArtError {
  return new CardArtError('PDF_TOO_COMPLEX', message);
}
