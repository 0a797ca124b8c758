import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RasterImage } from '../../src/core/asset-media.ts';
import { ALLOWED_WIDTHS, CARD_HEIGHT, CARD_WIDTH } from '../../src/core/card-render-types.ts';
import { encodeImage } from '../../src/core/encode-image.ts';

function solidCard(rgba: [number, number, number, number]): RasterImage {
  const data = Buffer.alloc(CARD_WIDTH * CARD_HEIGHT * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { data, width: CARD_WIDTH, height: CARD_HEIGHT };
}

describe('encodeImage', () => {
  const card = solidCard([10, 120, 200, 128]);

  it('encodes PNG losslessly with straight alpha and the right content type', async () => {
    const encoded = await encodeImage(card, 'png');
    expect(encoded).toMatchObject({ contentType: 'image/png', width: 1536, height: 969 });
    const { data, info } = await sharp(encoded.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ format: 'raw', width: 1536, height: 969, channels: 4 });
    expect([...data.subarray(0, 4)]).toEqual([10, 120, 200, 128]);
  });

  it('encodes WebP and AVIF', async () => {
    const webp = await encodeImage(card, 'webp');
    expect(webp.contentType).toBe('image/webp');
    expect(await sharp(webp.bytes).metadata()).toMatchObject({ format: 'webp', width: 1536, height: 969, hasAlpha: true });
    const avif = await encodeImage(card, 'avif', 768);
    expect(avif).toMatchObject({ contentType: 'image/avif', width: 768, height: 485 });
    expect(await sharp(avif.bytes).metadata()).toMatchObject({ format: 'heif', width: 768, height: 485 });
  });

  it('resizes to every allowed width with height round(969·w/1536)', async () => {
    const opaque = solidCard([200, 30, 40, 255]);
    for (const width of ALLOWED_WIDTHS) {
      const encoded = await encodeImage(opaque, 'png', width);
      const expectedHeight = Math.round((969 * width) / 1536);
      expect(encoded).toMatchObject({ width, height: expectedHeight });
      expect(await sharp(encoded.bytes).metadata()).toMatchObject({ width, height: expectedHeight });
    }
  });

  it('accepts a sharp pipeline', async () => {
    const pipeline = sharp({ create: { width: 300, height: 100, channels: 3, background: '#336699' } });
    const encoded = await encodeImage(pipeline, 'png', 150);
    expect(encoded).toMatchObject({ width: 150, height: 50 });
    const { data } = await sharp(encoded.bytes).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray(0, 4)]).toEqual([0x33, 0x66, 0x99, 255]);
  });

  it('rejects a nonsense width', async () => {
    await expect(encodeImage(card, 'png', 0)).rejects.toThrow(RangeError);
  });
});
