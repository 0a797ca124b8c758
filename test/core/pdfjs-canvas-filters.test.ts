/**
 * The canvas filters given to pdf.js for @napi-rs/canvas: the pixel maps (numbers), the contexts that draw through
 * them (drawImage and layered fills, with save / restore, alpha and clip), and a guard that fails when pdf.js's own
 * filter factory changes what it asks of a FilterFactory.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createCanvas, Path2D, type SKRSContext2D } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { applyPixelFilter, createCanvasFilters } from '../../src/core/pdfjs-canvas-filters.ts';
import { PDFJS_ROOT } from '../../src/core/pdfjs-local-files.ts';

interface Factories {
  filters: {
    addFilter(maps: Array<Uint8Array | null> | null): string;
    addAlphaFilter(map: Uint8Array): string;
    addLuminosityFilter(map: Uint8Array | null): string;
    addHCMFilter(fg: string, bg: string): string;
    destroy(): void;
  };
  canvases: {
    create(w: number, h: number): { canvas: ReturnType<typeof createCanvas>; context: SKRSContext2D };
    reset(entry: unknown, w: number, h: number): void;
  };
}

function factories(): Factories & { enable(context: SKRSContext2D): void } {
  const pair = createCanvasFilters();
  return { filters: new pair.FilterFactory() as Factories['filters'], canvases: new pair.CanvasFactory() as Factories['canvases'], enable: pair.enable };
}

const invert = () => Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
const pixel = (context: SKRSContext2D, x: number, y: number) => [...context.getImageData(x, y, 1, 1).data];

describe('applyPixelFilter', () => {
  it('luminosity: 0.3 R + 0.59 G + 0.11 B of the straight colour into alpha, colour cleared; transparent is 0', () => {
    const pixels = Uint8Array.from([255, 255, 255, 255, 255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 0, 0]);
    applyPixelFilter(pixels, { kind: 'luminosity', map: null });
    expect([...pixels]).toEqual([0, 0, 0, 255, 0, 0, 0, 77, 0, 0, 0, 150, 0, 0, 0, 0]);
  });

  it('luminosity with a transfer table looks the luminosity up', () => {
    const pixels = Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 255]);
    applyPixelFilter(pixels, { kind: 'luminosity', map: invert() });
    expect([...pixels]).toEqual([0, 0, 0, 0, 0, 0, 0, 255]);
  });

  it('alpha: looks alpha up, keeps the colour', () => {
    const pixels = Uint8Array.from([10, 20, 30, 200]);
    applyPixelFilter(pixels, { kind: 'alpha', map: invert() });
    expect([...pixels]).toEqual([10, 20, 30, 55]);
  });

  it('transfer: looks R, G and B up in their own tables (null = identity), keeps alpha', () => {
    const pixels = Uint8Array.from([10, 20, 30, 40]);
    applyPixelFilter(pixels, { kind: 'transfer', maps: [invert(), null, invert()] });
    expect([...pixels]).toEqual([245, 20, 225, 40]);
  });
});

describe('createCanvasFilters', () => {
  it('answers "none" where there is nothing to do, one id per distinct table, the same id for the same table', () => {
    const { filters } = factories();
    expect(filters.addFilter(null)).toBe('none');
    expect(filters.addFilter([null, null, null, null])).toBe('none');
    expect(filters.addHCMFilter('#000', '#fff')).toBe('none');
    const a = filters.addLuminosityFilter(null);
    const b = filters.addLuminosityFilter(invert());
    expect(a).toMatch(/^url\(#card-art-filter-\d+\)$/);
    expect(new Set([a, b, filters.addAlphaFilter(invert()), filters.addFilter([invert()])]).size).toBe(4);
    expect(filters.addLuminosityFilter(invert())).toBe(b);
    expect(filters.addLuminosityFilter(null)).toBe(a);
  });

  it('drawImage through a luminosity filter turns a gray ramp into an alpha ramp; "none" draws as is', () => {
    const { filters, canvases } = factories();
    const ramp = createCanvas(256, 1);
    const rampContext = ramp.getContext('2d');
    for (let x = 0; x < 256; x++) {
      rampContext.fillStyle = `rgb(${x},${x},${x})`;
      rampContext.fillRect(x, 0, 1, 1);
    }
    const { context } = canvases.create(256, 2);
    context.filter = filters.addLuminosityFilter(null);
    expect(context.filter).toMatch(/^url\(#card-art-filter/);
    context.drawImage(ramp, 0, 0);
    context.filter = 'none';
    context.drawImage(ramp, 0, 1);
    for (const x of [0, 64, 200, 255]) {
      expect(pixel(context, x, 0)).toEqual([0, 0, 0, x]);
      expect(pixel(context, x, 1)).toEqual([x, x, x, 255]);
    }
  });

  it('a filter is part of the saved state; a reset canvas starts without one', () => {
    const { filters, canvases } = factories();
    const entry = canvases.create(4, 4);
    const id = filters.addAlphaFilter(invert());
    entry.context.filter = id;
    entry.context.save();
    entry.context.filter = 'none';
    entry.context.restore();
    expect(entry.context.filter).toBe(id);
    canvases.reset(entry, 8, 8);
    expect(entry.context.filter).toBe('none');
  });

  it('fills under a transfer filter are drawn on a layer and mapped, then composited with the context’s alpha and clip', () => {
    const { filters, enable } = factories();
    const canvas = createCanvas(40, 20);
    const context = canvas.getContext('2d');
    enable(context);
    // The page's own flip and scale, as pdf.js sets it.
    context.setTransform(2, 0, 0, -2, 0, 20);
    context.beginPath();
    context.rect(0, 0, 10, 10);
    context.clip();
    context.filter = filters.addFilter([invert()]);
    context.globalAlpha = 0.5;
    context.fillStyle = 'rgb(200, 50, 10)';
    const path = new Path2D();
    path.rect(2, 2, 16, 6);
    context.fill(path);
    // Inside the rectangle and the clip: the inverted colour at half alpha (±1: stored premultiplied), where it was drawn (y flipped).
    const drawn = pixel(context, 10, 10);
    [55, 205, 245, 128].forEach((value, channel) => expect(Math.abs(drawn[channel]! - value), `${drawn}`).toBeLessThanOrEqual(1));
    // Inside the rectangle but outside the clip (x ≥ 20 px): nothing.
    expect(pixel(context, 30, 10)).toEqual([0, 0, 0, 0]);
    // Outside the rectangle (y < 4 px is pt 8..10): nothing.
    expect(pixel(context, 10, 1)).toEqual([0, 0, 0, 0]);
  });

  it('implements every filter pdf.js asks for (fails when pdfjs-dist changes BaseFilterFactory)', async () => {
    const source = await readFile(path.join(PDFJS_ROOT, 'legacy', 'build', 'pdf.mjs'), 'utf8');
    const base = /class BaseFilterFactory \{([\s\S]*?)\n\}/.exec(source)?.[1];
    expect(base, 'BaseFilterFactory in pdf.mjs').toBeDefined();
    const asked = [...base!.matchAll(/^ {2}(\w+)\(/gm)].map((match) => match[1]).sort();
    const { FilterFactory } = createCanvasFilters();
    const implemented = Object.getOwnPropertyNames(FilterFactory.prototype).filter((name) => name !== 'constructor').sort();
    expect(implemented).toEqual(asked);
    // The soft-mask code still draws through these filters with ctx.filter = … then drawImage (what the contexts map).
    const prepare = /_prepareSMaskCanvas\(smask, width, height\) \{([\s\S]*?)\n {2}\}/.exec(source)?.[1] ?? '';
    expect(prepare).toContain('pCtx.filter = subtype === "Alpha" ? this.filterFactory.addAlphaFilter(transferMap) : this.filterFactory.addLuminosityFilter(transferMap);');
    expect(prepare).toContain('pCtx.drawImage(');
  });
});
