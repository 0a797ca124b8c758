import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RasterImage } from '../../src/core/asset-media.ts';
import { rasterizePng, readPngSize } from '../../src/core/rasterize-png.ts';

function pixel(image: RasterImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.data.subarray(at, at + 4)];
}

async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** A PNG signature plus an IHDR chunk claiming `width` x `height`, and nothing else. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  header.writeUInt8(8, 24); // bit depth
  header.writeUInt8(6, 25); // RGBA
  return header;
}

describe('readPngSize', () => {
  it('reads width and height from IHDR', async () => {
    const png = await sharp({ create: { width: 123, height: 45, channels: 4, background: '#00000000' } }).png().toBuffer();
    expect(readPngSize(png)).toEqual({ width: 123, height: 45 });
  });

  it('refuses a 100000x100000 IHDR with PNG_TOO_LARGE from the header alone', async () => {
    expect(await codeOf(() => readPngSize(pngHeaderOnly(100_000, 100_000)))).toBe('PNG_TOO_LARGE');
    expect(await codeOf(() => rasterizePng(pngHeaderOnly(100_000, 100_000), { width: 10, height: 10 }))).toBe('PNG_TOO_LARGE');
  });

  it('refuses a missing IHDR or a zero size with PNG_INVALID', async () => {
    expect(await codeOf(() => readPngSize(Buffer.from([0x89, 0x50, 0x4e, 0x47])))).toBe('PNG_INVALID');
    expect(await codeOf(() => readPngSize(pngHeaderOnly(0, 10)))).toBe('PNG_INVALID');
  });
});

describe('rasterizePng', () => {
  it('resizes to exactly the requested size with 4 straight-alpha channels, keeping semi-transparent colour', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const image = await rasterizePng(png, { width: 151, height: 99 });
    expect(image).toMatchObject({ width: 151, height: 99 });
    expect(image.data.length).toBe(151 * 99 * 4);
    const [r, g, b, a] = pixel(image, 75, 50);
    expect(r).toBe(255);
    expect(g).toBe(0);
    expect(b).toBe(0);
    expect(Math.abs(a! - 128)).toBeLessThanOrEqual(1);
  });

  it('adds an opaque alpha channel to RGB and greyscale PNGs', async () => {
    const grey = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).greyscale().png().toBuffer();
    const image = await rasterizePng(grey, { width: 16, height: 16 });
    expect(image.data.length).toBe(16 * 16 * 4);
    expect(pixel(image, 8, 8)).toEqual([128, 128, 128, 255]);
  });

  it('outputs 8-bit channels for a 16-bit PNG', async () => {
    const png16 = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 1 } } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect(png16.readUInt8(24)).toBe(16); // IHDR bit depth
    const image = await rasterizePng(png16, { width: 2, height: 2 });
    expect(image.data.length).toBe(2 * 2 * 4);
    expect(pixel(image, 1, 1)).toEqual([0, 0, 255, 255]);
  });

  it('upscales and downscales', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 4, background: '#00ff00ff' } }).png().toBuffer();
    expect((await rasterizePng(png, { width: 400, height: 400 })).data.length).toBe(400 * 400 * 4);
    expect((await rasterizePng(png, { width: 1, height: 1 })).data.length).toBe(4);
  });

  it('refuses a truncated or corrupt PNG with PNG_INVALID', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: '#123456' } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(await codeOf(() => rasterizePng(png.subarray(0, png.length / 2), { width: 10, height: 10 }))).toBe('PNG_INVALID');
    expect(await codeOf(() => rasterizePng(pngHeaderOnly(10, 10), { width: 10, height: 10 }))).toBe('PNG_INVALID');
  });
});
