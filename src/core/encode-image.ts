/** Final resize and encoding of a raster to PNG, WebP or AVIF. */
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import type { OutputFormat, RasterImage } from './asset-media.ts';
import { CONTENT_TYPES, type EncodedImage } from './card-render-types.ts';
import { toRaster } from './compose-card.ts';

/** 6 without adaptive filtering: within a few % of level 9's size at a fraction of the time. */
export const PNG_OPTIONS = { compressionLevel: 6, adaptiveFiltering: false } as const;
/** 85: no visible loss on flat card art; alpha kept lossless so logo edges stay clean. */
export const WEBP_OPTIONS = { quality: 85, alphaQuality: 100, effort: 4 } as const;
/** Effort 2 keeps one 1536×969 encode well under a second on one core; quality 60 ≈ WebP 85 visually. */
export const AVIF_OPTIONS = { quality: 60, effort: 2 } as const;

/**
 * Encodes `image` (raw straight-alpha RGBA, or a sharp pipeline yielding RGBA) as `format`; with `width` it is
 * resized first to width × round(height·width/naturalWidth). A pipeline without `width` is encoded as it runs
 * (no raw copy); with `width` it is materialized first, because sharp resizes before it composites.
 */
export async function encodeImage(image: RasterImage | Sharp, format: OutputFormat, width?: number): Promise<EncodedImage> {
  if (width !== undefined && (!Number.isInteger(width) || width < 1)) throw new RangeError(`width must be a positive integer, got ${width}`);
  if (!isRaster(image) && width === undefined) {
    const { data, info } = await withEncoder(image.ensureAlpha(), format).toBuffer({ resolveWithObject: true });
    return { bytes: data, contentType: CONTENT_TYPES[format], width: info.width, height: info.height };
  }
  const raster = isRaster(image) ? image : await toRaster(image);
  let pipeline = sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 4 } });
  let outWidth = raster.width;
  let outHeight = raster.height;
  if (width !== undefined && width !== raster.width) {
    outWidth = width;
    outHeight = Math.max(1, Math.round((raster.height * width) / raster.width));
    pipeline = pipeline.resize(outWidth, outHeight, { fit: 'fill', kernel: 'lanczos3' });
  }
  const bytes = await withEncoder(pipeline, format).toBuffer();
  return { bytes, contentType: CONTENT_TYPES[format], width: outWidth, height: outHeight };
}

function withEncoder(pipeline: Sharp, format: OutputFormat): Sharp {
  switch (format) {
    case 'png':
      return pipeline.png(PNG_OPTIONS);
    case 'webp':
      return pipeline.webp(WEBP_OPTIONS);
    case 'avif':
      return pipeline.avif(AVIF_OPTIONS);
  }
}

function isRaster(image: RasterImage | Sharp): image is RasterImage {
  return Buffer.isBuffer((image as RasterImage).data) && typeof (image as RasterImage).width === 'number';
}
