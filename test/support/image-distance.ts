/**
 * How far apart two renderings of the same page are: both are premultiplied (so a colour under alpha 0 does not
 * count, and a faint pixel counts as faintly as it shows), each pixel's distance is the largest difference of its
 * four channels, and the figure is the mean over all pixels, in levels of 0..255.
 */
import type { RasterImage } from '../../src/core/asset-media.ts';

/** Renderers may round a page's pixel size differently by one; more than that is a different picture. */
const SIZE_SLACK_PX = 1;

export interface ImageDistance {
  /** Mean over pixels of the largest channel difference, premultiplied RGBA, 0..255. */
  mean: number;
  /** The largest per-pixel distance. */
  max: number;
  /** The area compared (the common top-left area when the sizes differ by one pixel). */
  width: number;
  height: number;
}

/**
 * Compares straight-alpha RGBA images. Sizes may differ by at most one pixel per side (a renderer rounding the page
 * size the other way): then the common top-left area is compared, which is where both put the page's origin.
 */
export function premultipliedDistance(a: RasterImage, b: RasterImage): ImageDistance {
  if (Math.abs(a.width - b.width) > SIZE_SLACK_PX || Math.abs(a.height - b.height) > SIZE_SLACK_PX) {
    throw new Error(`sizes differ by more than ${SIZE_SLACK_PX} px: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
  const width = Math.min(a.width, b.width);
  const height = Math.min(a.height, b.height);
  let sum = 0;
  let max = 0;
  for (let y = 0; y < height; y++) {
    let ia = y * a.width * 4;
    let ib = y * b.width * 4;
    for (let x = 0; x < width; x++, ia += 4, ib += 4) {
      const alphaA = a.data[ia + 3]!;
      const alphaB = b.data[ib + 3]!;
      let pixel = Math.abs(alphaA - alphaB);
      for (let c = 0; c < 3; c++) {
        const d = Math.abs((a.data[ia + c]! * alphaA) / 255 - (b.data[ib + c]! * alphaB) / 255);
        if (d > pixel) pixel = d;
      }
      sum += pixel;
      if (pixel > max) max = pixel;
    }
  }
  return { mean: sum / (width * height), max, width, height };
}

/** The straight RGBA of the pixel at (x, y). */
export function pixelAt(image: RasterImage, x: number, y: number): [number, number, number, number] {
  const i = (Math.round(y) * image.width + Math.round(x)) * 4;
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!, image.data[i + 3]!];
}
