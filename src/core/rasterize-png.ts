import sharp, { type Sharp } from 'sharp';
import { CardArtError } from '../errors.ts';
import type { PixelSize, RasterImage } from './asset-media.ts';

/** 40 MP: far above any card asset (1536x969 is 1.5 MP), well below what exhausts memory when decoded. */
export const DEFAULT_MAX_INPUT_PIXELS = 40_000_000;

/** A PNG's size from its IHDR chunk, refusing one over `maxInputPixels` before a single pixel is decoded. */
export function readPngSize(bytes: Buffer, maxInputPixels = DEFAULT_MAX_INPUT_PIXELS): PixelSize {
  // Signature (8) + chunk length (4) + "IHDR" (4) + width (4) + height (4).
  if (bytes.length < 33 || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    throw new CardArtError('PNG_INVALID', 'PNG has no IHDR header');
  }
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new CardArtError('PNG_INVALID', `PNG declares an invalid size ${width}x${height}`);
  }
  if (width * height > maxInputPixels) {
    throw new CardArtError('PNG_TOO_LARGE',
      `PNG declares ${width}x${height} pixels; the limit is ${maxInputPixels} pixels`,
    );
  }
  return { width, height };
}

/** Decodes a PNG (strictly) and resizes it with Lanczos to exactly `size`, straight RGBA out. */
export async function rasterizePng(
  bytes: Buffer,
  size: PixelSize,
  maxInputPixels = DEFAULT_MAX_INPUT_PIXELS,
): Promise<RasterImage> {
  readPngSize(bytes, maxInputPixels);
  try {
    return await resizeToStraightRgba(sharp(bytes, { failOn: 'error', limitInputPixels: maxInputPixels }), size);
  } catch (error) {
    throw new CardArtError('PNG_INVALID', `PNG could not be decoded: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Resizes a decoded image with Lanczos to exactly `size` and returns 8-bit sRGB straight RGBA. */
export async function resizeToStraightRgba(image: Sharp, size: PixelSize): Promise<RasterImage> {
  const { data, info } = await image
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
