import { z } from 'zod';
import { CardArtError } from '../errors.ts';
import type { AssetMedia, MediaKind, PixelSize } from './asset-media.ts';
import { DEFAULT_MAX_INPUT_PIXELS, readPngSize } from './rasterize-png.ts';
import { readSvgSize } from './rasterize-svg.ts';
import { sniffMediaKind } from './sniff-media.ts';

/** 20 MB per decoded entry: MDES card PDFs are well under 1 MB; the bound protects the decoders. */
export const MAX_ASSET_ENTRY_BYTES = 20 * 1024 * 1024;
/** A Get Asset body with more entries than this is not a real one. */
const MAX_MEDIA_ENTRIES = 32;

export interface DecodeOptions {
  maxEntryBytes?: number;
  maxInputPixels?: number;
  /**
   * Reads a PDF's page 1 size in points; the service passes its rasterizer's (run in the PDF worker, so the main
   * thread never loads pdf.js). Default: pdf.js on this thread, loaded on first use.
   */
  readPdfPageSize?: (bytes: Buffer) => Promise<PixelSize>;
}

const mediaContentSchema = z.object({
  type: z.string().optional(),
  data: z.string(),
  height: z.unknown().optional(),
  width: z.unknown().optional(),
});
const getAssetBodySchema = z.object({ mediaContents: z.array(z.unknown()).max(MAX_MEDIA_ENTRIES) });

/** Padded standard base64 (whitespace already removed). */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Every usable entry of a Get Asset body, kind sniffed from the bytes and natural size read from them
 * (PNG pixels from IHDR, SVG units, PDF page 1 points). Throws the first entry's error when none is usable.
 */
export async function decodeAssetBody(body: unknown, options: DecodeOptions = {}): Promise<AssetMedia[]> {
  const parsed = getAssetBodySchema.safeParse(body);
  if (!parsed.success) {
    throw new CardArtError('ASSET_BODY_INVALID', 'Get Asset body has no valid mediaContents array');
  }
  const entries = parsed.data.mediaContents;
  if (entries.length === 0) {
    throw new CardArtError('ASSET_EMPTY', 'Get Asset body has no media entries');
  }
  const usable: AssetMedia[] = [];
  let firstError: unknown;
  for (const entry of entries) {
    try {
      usable.push(await decodeEntry(entry, options));
    } catch (error) {
      firstError ??= error;
    }
  }
  if (usable.length === 0) throw firstError;
  return usable;
}

/** A vector (PDF first, then SVG) when present, else the PNG with the most pixels. */
export function selectBestMedia(entries: AssetMedia[]): AssetMedia {
  const vector = entries.find((entry) => entry.kind === 'pdf') ?? entries.find((entry) => entry.kind === 'svg');
  if (vector) return vector;
  let best: AssetMedia | undefined;
  for (const entry of entries) {
    if (!best || entry.width * entry.height > best.width * best.height) best = entry;
  }
  if (!best) throw new CardArtError('ASSET_EMPTY', 'Get Asset body has no usable media entry');
  return best;
}

export async function decodeBestMedia(body: unknown, options: DecodeOptions = {}): Promise<AssetMedia> {
  return selectBestMedia(await decodeAssetBody(body, options));
}

async function decodeEntry(entry: unknown, options: DecodeOptions): Promise<AssetMedia> {
  const parsed = mediaContentSchema.safeParse(entry);
  if (!parsed.success) {
    throw new CardArtError('ASSET_BODY_INVALID', 'mediaContents entry has no string data');
  }
  const bytes = decodeBase64(parsed.data.data, options.maxEntryBytes ?? MAX_ASSET_ENTRY_BYTES);
  // The bytes decide the kind; the declared type (even the spec's "applicatoin/pdf") is only a label.
  const kind = sniffMediaKind(bytes);
  if (!kind) {
    throw new CardArtError('ASSET_FORMAT_UNSUPPORTED',
      `media entry (declared ${JSON.stringify(parsed.data.type ?? '')}) is not PNG, PDF or SVG`,
    );
  }
  const size = await naturalSize(kind, bytes, options);
  return { kind, bytes, width: size.width, height: size.height };
}

async function naturalSize(kind: MediaKind, bytes: Buffer, options: DecodeOptions) {
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  switch (kind) {
    case 'png':
      return readPngSize(bytes, maxInputPixels);
    case 'svg':
      return readSvgSize(bytes);
    case 'pdf':
      if (options.readPdfPageSize) return options.readPdfPageSize(bytes);
      return (await import('./rasterize-pdf.ts')).readPdfPageSize(bytes, { maxImagePixels: maxInputPixels });
  }
}

function decodeBase64(data: string, maxBytes: number): Buffer {
  const compact = data.replace(/\s+/g, '');
  if (compact.length === 0) throw new CardArtError('ASSET_EMPTY', 'media entry has empty data');
  // Checked on the string, so an oversized entry is never decoded.
  if (Math.floor((compact.length * 3) / 4) - 2 > maxBytes) {
    throw new CardArtError('ASSET_TOO_LARGE', `media entry is larger than the ${maxBytes}-byte limit`);
  }
  if (!STRICT_BASE64.test(compact)) {
    throw new CardArtError('ASSET_BASE64_INVALID', 'media entry data is not valid base64');
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) {
    throw new CardArtError('ASSET_TOO_LARGE', `media entry is ${bytes.length} bytes; the limit is ${maxBytes}`);
  }
  return bytes;
}
