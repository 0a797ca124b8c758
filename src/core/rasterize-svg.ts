import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { CardArtError } from '../errors.ts';
import type { PixelSize, RasterImage } from './asset-media.ts';
import { resizeToStraightRgba } from './rasterize-png.ts';
import { transcodeDataImages } from './svg-data-images.ts';
import { RASTERIZE_OPTIONS, sanitizeSvg } from './svg-safety.ts';

/** librsvg's (and sharp's) default: at 72 DPI one SVG user unit is one pixel. */
const BASE_DENSITY = 72;
/** sharp's accepted density range. */
const MIN_DENSITY = 1;
const MAX_DENSITY = 100_000;
/** A logo's own size beyond this many units per side is nonsense (and would distort the density). */
const MAX_SVG_SIDE = 1_000_000;
/** librsvg's canvas is bounded by the box the layer fills (4× its pixels), never below 1 MP. */
const MIN_SVG_RENDER_PIXELS = 1_000_000;

/**
 * The SVG's natural size as librsvg sees it at 72 DPI: width/height attributes (px, and absolute units as the
 * sanitizer rewrote them to px at 96 per inch), else the viewBox. Checks safety first; refuses an unreadable or zero-sized SVG with SVG_INVALID.
 */
export async function readSvgSize(bytes: Buffer): Promise<PixelSize> {
  const safe = sanitizeSvg(bytes, RASTERIZE_OPTIONS);
  let metadata: Metadata;
  try {
    metadata = await sharp(safe, { density: BASE_DENSITY }).metadata();
  } catch (error) {
    throw new CardArtError('SVG_INVALID', `SVG could not be parsed: ${(error as Error).message}`, { cause: error });
  }
  const { width, height } = metadata;
  if (!width || !height || width > MAX_SVG_SIDE || height > MAX_SVG_SIDE) {
    throw new CardArtError('SVG_INVALID', `SVG has no usable size (${width}x${height})`);
  }
  return { width, height };
}

/** Renders the SVG directly at `size` (density chosen so librsvg draws at that scale), straight RGBA out. */
export async function rasterizeSvg(bytes: Buffer, size: PixelSize, natural?: PixelSize): Promise<RasterImage> {
  const own = natural ?? (await readSvgSize(bytes));
  // librsvg draws the rebuilt document, never the bytes as they came.
  const safe = await transcodeDataImages(sanitizeSvg(bytes, RASTERIZE_OPTIONS));
  const density = Math.min(MAX_DENSITY, Math.max(MIN_DENSITY, densityFor(own, size)));
  try {
    return await resizeToStraightRgba(sharp(safe, { density, failOn: 'error', limitInputPixels: renderPixelLimit(size) }), size);
  } catch (error) {
    throw new CardArtError('SVG_INVALID', `SVG could not be rendered: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The density at which librsvg draws the SVG at exactly `size` (it rounds each side: round(natural × density / 72)),
 * so the resize after it is a no-op: a 1600×1010 background covered at 1536×970 drew 1537×970 at the larger
 * scale and paid a full Lanczos pass (~17 ms) for one column. Falls back to the larger scale (then resized) when
 * no density rounds to both sides (an aspect other than the target's).
 */
export function densityFor(natural: PixelSize, size: PixelSize): number {
  const low = Math.max((BASE_DENSITY * (size.width - 0.5)) / natural.width, (BASE_DENSITY * (size.height - 0.5)) / natural.height);
  const high = Math.min((BASE_DENSITY * (size.width + 0.5)) / natural.width, (BASE_DENSITY * (size.height + 0.5)) / natural.height);
  if (low < high) return (low + high) / 2;
  return BASE_DENSITY * Math.max(size.width / natural.width, size.height / natural.height);
}

/** The render is about the target size (callers keep the aspect ratio); the bound only stops absurd aspect mismatches. */
function renderPixelLimit(size: PixelSize): number {
  return Math.max(4 * size.width * size.height, MIN_SVG_RENDER_PIXELS);
}
