import { describe, expect, it } from 'vitest';
import type { RasterImage } from '../../src/core/asset-media.ts';
import sharp from 'sharp';
import { composeCard, composeLayers, extractRegion } from '../../src/core/compose-card.ts';
import { encodeImage } from '../../src/core/encode-image.ts';
import { TEXT_AREA } from '../../src/core/layout.ts';
import { renderTextOverlay } from '../../src/core/text-overlay.ts';

function solid(width: number, height: number, rgba: [number, number, number, number]): RasterImage {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { data, width, height };
}

function pixel(image: RasterImage, x: number, y: number): number[] {
  const offset = (y * image.width + x) * 4;
  return [...image.data.subarray(offset, offset + 4)];
}

/** Bounding box of pixels with alpha > 0. */
function inkBox(image: RasterImage): { left: number; top: number; right: number; bottom: number } | undefined {
  let left = Infinity, top = Infinity, right = -1, bottom = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[(y * image.width + x) * 4 + 3]! > 0) {
        left = Math.min(left, x); right = Math.max(right, x); top = Math.min(top, y); bottom = Math.max(bottom, y);
      }
    }
  }
  return right < 0 ? undefined : { left, top, right, bottom };
}

describe('composeLayers', () => {
  it('draws a semi-transparent layer "over" with straight alpha', async () => {
    const base = solid(40, 30, [20, 30, 60, 255]);
    const layer = solid(10, 10, [255, 200, 0, 128]);
    const out = await composeLayers(base, [{ image: layer, left: 5, top: 7 }]);
    expect(out.width).toBe(40);
    expect(out.height).toBe(30);
    const a = 128 / 255;
    const expected = [255, 200, 0].map((c, i) => Math.round(c * a + [20, 30, 60][i]! * (1 - a)));
    const got = pixel(out, 9, 11);
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(1);
    expect(got[3]).toBe(255);
    expect(pixel(out, 4, 7)).toEqual([20, 30, 60, 255]);
    expect(pixel(out, 15, 7)).toEqual([20, 30, 60, 255]);
  });

  it('keeps a transparent base transparent where nothing is drawn and layers in order', async () => {
    const base = solid(20, 20, [0, 0, 0, 0]);
    const out = await composeLayers(base, [
      { image: solid(10, 10, [255, 0, 0, 255]), left: 0, top: 0 },
      { image: solid(5, 5, [0, 0, 255, 255]), left: 5, top: 5 },
    ]);
    expect(pixel(out, 2, 2)).toEqual([255, 0, 0, 255]);
    expect(pixel(out, 6, 6)).toEqual([0, 0, 255, 255]);
    expect(pixel(out, 15, 15)).toEqual([0, 0, 0, 0]);
  });
});

describe('composeCard', () => {
  it('encodes in one pass to the same pixels as composing to a raster first', async () => {
    const base = solid(40, 30, [20, 30, 60, 255]);
    const layers = [{ image: solid(10, 10, [255, 200, 0, 128]), left: 5, top: 7 }];
    const direct = await encodeImage(composeCard(base, layers), 'png');
    expect(direct).toMatchObject({ width: 40, height: 30, contentType: 'image/png' });
    const viaRaster = await encodeImage(await composeLayers(base, layers), 'png');
    const [a, b] = await Promise.all([direct, viaRaster].map((image) => sharp(image.bytes).ensureAlpha().raw().toBuffer()));
    expect(a!.equals(b!)).toBe(true);
    // A smaller width composites first, then resizes (sharp alone would resize before compositing).
    const small = await encodeImage(composeCard(base, layers), 'png', 20);
    expect(small).toMatchObject({ width: 20, height: 15 });
  });
});

describe('extractRegion', () => {
  it('cuts the requested region', async () => {
    const image = solid(30, 20, [1, 2, 3, 255]);
    image.data.set([9, 9, 9, 255], (5 * 30 + 12) * 4);
    const out = await extractRegion(image, { left: 10, top: 4, width: 8, height: 6 });
    expect(out).toMatchObject({ width: 8, height: 6 });
    expect(pixel(out, 2, 1)).toEqual([9, 9, 9, 255]);
    expect(pixel(out, 0, 0)).toEqual([1, 2, 3, 255]);
  });
});

describe('renderTextOverlay', () => {
  const area = { width: TEXT_AREA.width, height: TEXT_AREA.height };

  it('draws the text left-aligned and vertically centred in the exact colour', () => {
    const overlay = renderTextOverlay('•••• 1234', 'c00f00', area);
    expect(overlay).toMatchObject({ width: 831, height: 283 });
    const box = inkBox(overlay)!;
    expect(box.left).toBeLessThanOrEqual(2);
    expect(box.right).toBeLessThan(831);
    // digits at 96 px are about 69 px tall
    expect(box.bottom - box.top + 1).toBeGreaterThan(60);
    expect(box.bottom - box.top + 1).toBeLessThan(80);
    const marginTop = box.top;
    const marginBottom = 283 - 1 - box.bottom;
    expect(Math.abs(marginTop - marginBottom)).toBeLessThanOrEqual(2);
    for (let i = 0; i < overlay.data.length; i += 4) {
      if (overlay.data[i + 3]! > 0) expect([...overlay.data.subarray(i, i + 3)]).toEqual([0xc0, 0x0f, 0x00]);
    }
  });

  it('shrinks long text to fit the width', () => {
    const overlay = renderTextOverlay('W'.repeat(32), 'ffffff', area);
    const box = inkBox(overlay)!;
    expect(box.left).toBeGreaterThanOrEqual(0);
    expect(box.right).toBeLessThanOrEqual(830);
    expect(box.right).toBeGreaterThan(780);
  });

  it('is deterministic', () => {
    const first = renderTextOverlay('•••• 9876', '000000', area);
    const second = renderTextOverlay('•••• 9876', '000000', area);
    expect(first.data.equals(second.data)).toBe(true);
  });
});
