/** Compositing with sharp: background cropped to the card, then layers drawn "over" with straight alpha. */
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import type { RasterImage } from './asset-media.ts';
import type { Rect } from './layout.ts';

export interface CardLayer {
  image: RasterImage;
  left: number;
  top: number;
}

/** Cuts `region` out of a raster (e.g. the centred card-sized crop of a covered background). */
export async function extractRegion(image: RasterImage, region: Rect): Promise<RasterImage> {
  if (region.left === 0 && region.top === 0 && region.width === image.width && region.height === image.height) return image;
  return toRaster(sharp(image.data, { raw: rawOf(image) }).extract(region));
}

/**
 * A sharp pipeline drawing each layer over the base in order (base size, RGBA straight alpha), not yet run:
 * the caller appends the encoder, so compose and encode are one pass with no raw round trip.
 */
export function composeCard(base: RasterImage, layers: readonly CardLayer[]): Sharp {
  const pipeline = sharp(base.data, { raw: rawOf(base) });
  if (layers.length === 0) return pipeline;
  return pipeline.composite(
    layers.map((layer) => ({
      input: layer.image.data,
      raw: rawOf(layer.image),
      left: layer.left,
      top: layer.top,
      blend: 'over' as const,
    })),
  );
}

/** composeCard, run to a raster. */
export async function composeLayers(base: RasterImage, layers: readonly CardLayer[]): Promise<RasterImage> {
  if (layers.length === 0) return base;
  return toRaster(composeCard(base, layers));
}

function rawOf(image: RasterImage): { width: number; height: number; channels: 4 } {
  return { width: image.width, height: image.height, channels: 4 };
}

/** Runs a pipeline to straight RGBA pixels. */
export async function toRaster(pipeline: Sharp): Promise<RasterImage> {
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
