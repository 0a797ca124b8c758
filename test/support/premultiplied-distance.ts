/**
 * Distance between two RGBA images as the fidelity tests measure it: both premultiplied (a transparent pixel's colour
 * does not count), the largest channel difference of each pixel, averaged over the pixels, in 0–255 levels.
 */
import sharp from 'sharp';

export interface RgbaImage {
  width: number;
  height: number;
  /** Straight (not premultiplied) RGBA, 4 bytes a pixel. */
  data: Buffer;
}

/** Decodes any image sharp reads (PNG here) to straight RGBA. */
export async function decodeRgba(bytes: Buffer): Promise<RgbaImage> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** The image resampled to exactly width × height (Lanczos 3, which libvips applies to premultiplied pixels). */
export async function resampleRgba(image: RgbaImage, width: number, height: number): Promise<RgbaImage> {
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** Mean over pixels of the largest premultiplied channel difference; Infinity when the sizes differ. */
export function premultipliedDistance(a: RgbaImage, b: RgbaImage): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  const pixels = a.width * a.height;
  if (pixels === 0) return 0;
  let sum = 0;
  for (let offset = 0; offset < pixels * 4; offset += 4) {
    const alphaA = a.data[offset + 3]!;
    const alphaB = b.data[offset + 3]!;
    let worst = Math.abs(alphaA - alphaB);
    for (let channel = 0; channel < 3; channel++) {
      const difference = Math.abs((a.data[offset + channel]! * alphaA) / 255 - (b.data[offset + channel]! * alphaB) / 255);
      if (difference > worst) worst = difference;
    }
    sum += worst;
  }
  return sum / pixels;
}
