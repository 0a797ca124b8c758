import { describe, expect, it } from 'vitest';
import type { RasterImage } from '../../src/core/asset-media.ts';
import sharp from 'sharp';
import { densityFor, rasterizeSvg, readSvgSize } from '../../src/core/rasterize-svg.ts';
import { makeSvg, UNSAFE_SVGS } from '../support/svg-fixtures.ts';

function pixel(image: RasterImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.data.subarray(at, at + 4)];
}

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('readSvgSize', () => {
  it('uses width/height (plain or px), else the viewBox', async () => {
    expect(await readSvgSize(makeSvg({ width: 200, height: 100 }))).toEqual({ width: 200, height: 100 });
    expect(await readSvgSize(makeSvg({ width: '300px', height: '150px' }))).toEqual({ width: 300, height: 150 });
    expect(await readSvgSize(makeSvg({ viewBox: '0 0 640 480' }))).toEqual({ width: 640, height: 480 });
  });

  it('refuses unparseable SVG with SVG_INVALID and unsafe SVG with SVG_UNSAFE', async () => {
    expect(await codeOf(() => readSvgSize(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect')))).toBe('SVG_INVALID');
    expect(await codeOf(() => readSvgSize(Buffer.from(UNSAFE_SVGS.externalImage!)))).toBe('SVG_UNSAFE');
  });
});

describe('rasterizeSvg', () => {
  const halfRed = makeSvg({ width: 10, height: 10, rects: [{ x: 5, y: 0, w: 5, h: 10, color: '#ff0000', opacity: 0.5 }] });

  it('renders at exactly the requested size', async () => {
    const image = await rasterizeSvg(halfRed, { width: 333, height: 111 });
    expect(image).toMatchObject({ width: 333, height: 111 });
    expect(image.data.length).toBe(333 * 111 * 4);
  });

  it('keeps transparency and semi-transparent colour straight', async () => {
    const image = await rasterizeSvg(halfRed, { width: 100, height: 100 });
    expect(pixel(image, 10, 50)[3]).toBe(0);
    const [r, g, b, a] = pixel(image, 80, 50);
    expect([r, g, b]).toEqual([255, 0, 0]);
    expect(Math.abs(a! - 128)).toBeLessThanOrEqual(1);
  });

  it('renders a tiny SVG crisply at 1000 px (vector, not an upscaled bitmap)', async () => {
    const svg = makeSvg({ width: 10, height: 10, rects: [{ x: 5, y: 0, w: 5, h: 10, color: '#0000ff' }] });
    const image = await rasterizeSvg(svg, { width: 1000, height: 1000 });
    let partial = 0;
    for (let x = 480; x < 520; x++) {
      const alpha = pixel(image, x, 500)[3]!;
      if (alpha > 0 && alpha < 255) partial++;
    }
    expect(partial).toBeLessThanOrEqual(2);
    expect(pixel(image, 495, 500)[3]).toBe(0);
    expect(pixel(image, 505, 500)).toEqual([0, 0, 255, 255]);
  });

  it('draws absolute units (mm, pt) at 96 per inch relative to the drawing, whatever the output size', async () => {
    // 12.7 mm = 36 pt = 48 px: the square covers the top-left quarter of the 96-unit drawing at every size.
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><style>.p{stroke-width:0}</style>' +
        '<rect width="12.7mm" height="36pt" fill="#0000ff" class="p"/><rect x="48" y="48" width="48" height="48" style="fill:#ff0000;stroke-width:1pt"/></svg>',
    );
    for (const side of [48, 96, 192, 384]) {
      const image = await rasterizeSvg(svg, { width: side, height: side });
      const quarter = side / 2;
      expect(pixel(image, quarter - 2, quarter - 2), `${side} inside`).toEqual([0, 0, 255, 255]);
      expect(pixel(image, quarter + 1, quarter - 2)[3], `${side} right of it`).toBe(0);
      expect(pixel(image, quarter - 2, quarter + 1)[3], `${side} below it`).toBe(0);
    }
  });

  it('refuses an unsafe SVG even when the natural size is passed in', async () => {
    expect(await codeOf(() => rasterizeSvg(Buffer.from(UNSAFE_SVGS.script!), { width: 10, height: 10 }, { width: 10, height: 10 }))).toBe(
      'SVG_UNSAFE',
    );
  });
});

describe('densityFor', () => {
  it('picks a density at which librsvg draws both sides at exactly the target size (no resampling after it)', async () => {
    const natural = { width: 1600, height: 1010 };
    const size = { width: 1536, height: 970 };
    const density = densityFor(natural, size);
    expect(Math.round((natural.width * density) / 72)).toBe(size.width);
    expect(Math.round((natural.height * density) / 72)).toBe(size.height);
    const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1010"><rect width="1600" height="1010" fill="#123456"/></svg>`);
    const drawn = await sharp(svg, { density }).metadata();
    expect({ width: drawn.width, height: drawn.height }).toEqual(size);
  });

  it('falls back to the covering scale when no density rounds to both sides', () => {
    expect(densityFor({ width: 100, height: 100 }, { width: 300, height: 200 })).toBeCloseTo(216);
  });
});
