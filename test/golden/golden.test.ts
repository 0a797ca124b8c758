import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pixelmatch from 'pixelmatch';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { RasterImage } from '../../src/core/asset-media.ts';
import { GOLDEN_CASES, type GoldenCase } from './golden-cases.ts';
import { createGoldenRenderer, GOLDEN_DIR, renderGoldenCase } from './golden-renderer.ts';

/** pixelmatch per-pixel colour threshold (0..1, YIQ distance). */
const PIXEL_THRESHOLD = 0.1;
/** At most 0.1 % of the card's pixels may differ (anti-aliasing and resampling drift between library builds). */
const MAX_DIFF_RATIO = 0.001;
/** DESIGN §2 tolerance for logo rectangles. */
const GEOMETRY_TOLERANCE_PX = 2;
const COLOR_TOLERANCE = 3;
/** A pixel belongs to a solid logo when every channel is within this of the logo colour (edges are resampled). */
const LOGO_MATCH_TOLERANCE = 40;

const { renderer, close } = createGoldenRenderer();
afterAll(close);

let failureDir: string | undefined;
function writeFailure(name: string, bytes: Buffer): string {
  failureDir ??= mkdtempSync(path.join(os.tmpdir(), 'card-art-golden-'));
  const file = path.join(failureDir, name);
  writeFileSync(file, bytes);
  return file;
}

async function decode(png: Buffer): Promise<RasterImage> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const rendered = new Map<string, Promise<RasterImage & { png: Buffer }>>();
function render(goldenCase: GoldenCase) {
  let result = rendered.get(goldenCase.name);
  if (!result) {
    result = renderGoldenCase(renderer, goldenCase).then(async (png) => ({ ...(await decode(png)), png }));
    rendered.set(goldenCase.name, result);
  }
  return result;
}

function near(image: RasterImage, offset: number, color: readonly number[], tolerance: number): boolean {
  return (
    Math.abs(image.data[offset]! - color[0]!) <= tolerance &&
    Math.abs(image.data[offset + 1]! - color[1]!) <= tolerance &&
    Math.abs(image.data[offset + 2]! - color[2]!) <= tolerance
  );
}

function boundingBox(image: RasterImage, color: readonly number[], within?: { left: number; top: number; width: number; height: number }) {
  const x0 = within?.left ?? 0, y0 = within?.top ?? 0;
  const x1 = within ? within.left + within.width : image.width, y1 = within ? within.top + within.height : image.height;
  let left = Infinity, top = Infinity, right = -1, bottom = -1, count = 0;
  for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(image.width, x1); x++) {
      if (!near(image, (y * image.width + x) * 4, color, LOGO_MATCH_TOLERANCE)) continue;
      count++;
      left = Math.min(left, x); right = Math.max(right, x); top = Math.min(top, y); bottom = Math.max(bottom, y);
    }
  }
  return count === 0 ? undefined : { left, top, width: right - left + 1, height: bottom - top + 1, count };
}

describe('golden cards', () => {
  it('has at least 12 cases with distinct names', () => {
    expect(GOLDEN_CASES.length).toBeGreaterThanOrEqual(12);
    expect(new Set(GOLDEN_CASES.map((c) => c.name)).size).toBe(GOLDEN_CASES.length);
  });

  for (const goldenCase of GOLDEN_CASES) {
    it(`${goldenCase.name} matches golden/${goldenCase.name}.png`, async () => {
      const actual = await render(goldenCase);
      const golden = await decode(await readFile(path.join(GOLDEN_DIR, `${goldenCase.name}.png`)));
      expect({ width: actual.width, height: actual.height }).toEqual({ width: 1536, height: 969 });
      expect({ width: golden.width, height: golden.height }).toEqual({ width: 1536, height: 969 });
      const diff = Buffer.alloc(golden.data.length);
      const differing = pixelmatch(actual.data, golden.data, diff, 1536, 969, { threshold: PIXEL_THRESHOLD });
      const allowed = Math.floor(1536 * 969 * MAX_DIFF_RATIO);
      if (differing > allowed) {
        const actualFile = writeFailure(`${goldenCase.name}.actual.png`, actual.png);
        const diffFile = writeFailure(`${goldenCase.name}.diff.png`, await sharp(diff, { raw: { width: 1536, height: 969, channels: 4 } }).png().toBuffer());
        expect.fail(`${differing} pixels differ (allowed ${allowed}); actual: ${actualFile}, diff: ${diffFile}. ` +
          'If the change is intended, run npm run golden:update and review the images.');
      }
    });

    for (const logo of goldenCase.logos ?? []) {
      it(`${goldenCase.name}: ${logo.what} logo sits at its DESIGN §2 rectangle ±${GEOMETRY_TOLERANCE_PX} px`, async () => {
        const actual = await render(goldenCase);
        const margin = 20;
        const search = { left: logo.rect.left - margin, top: logo.rect.top - margin, width: logo.rect.width + 2 * margin, height: logo.rect.height + 2 * margin };
        const box = boundingBox(actual, logo.color, search);
        expect(box, `no ${logo.what} pixels found`).toBeDefined();
        for (const key of ['left', 'top', 'width', 'height'] as const) {
          expect(Math.abs(box![key] - logo.rect[key]), `${logo.what} ${key}: got ${box![key]}, want ${logo.rect[key]}`).toBeLessThanOrEqual(GEOMETRY_TOLERANCE_PX);
        }
        // Solid logo: (nearly) every pixel inside the box has the logo colour.
        expect(box!.count).toBeGreaterThanOrEqual(0.98 * logo.rect.width * logo.rect.height);
      });
    }

    if (goldenCase.text) {
      it(`${goldenCase.name}: text is left-aligned and vertically centred in the text area`, async () => {
        const actual = await render(goldenCase);
        const hex = String(goldenCase.productConfig.foregroundColor ?? '000000').replace('#', '');
        const color = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
        const area = { left: 82, top: 629, width: 831, height: 283 };
        const ink = boundingBox(actual, color, area);
        expect(ink, 'no text pixels in the text area').toBeDefined();
        expect(ink!.left - area.left).toBeLessThanOrEqual(3);
        expect(ink!.left + ink!.width).toBeLessThan(area.left + area.width);
        const inkCentre = ink!.top + ink!.height / 2;
        expect(Math.abs(inkCentre - (area.top + area.height / 2))).toBeLessThanOrEqual(GEOMETRY_TOLERANCE_PX);
      });
    }

    if (goldenCase.absentColors || goldenCase.probes) {
      it(`${goldenCase.name}: colours at probe pixels, absent logos`, async () => {
        const actual = await render(goldenCase);
        for (const probe of goldenCase.probes ?? []) {
          const offset = (probe.y * actual.width + probe.x) * 4;
          const got = [...actual.data.subarray(offset, offset + 4)];
          expect(near(actual, offset, probe.color, COLOR_TOLERANCE), `pixel (${probe.x}, ${probe.y}) is ${got}, want ${probe.color} ±${COLOR_TOLERANCE}`).toBe(true);
          expect(got[3]).toBe(255);
        }
        for (const color of goldenCase.absentColors ?? []) {
          let found = 0;
          for (let offset = 0; offset < actual.data.length; offset += 4) if (near(actual, offset, color, 8)) found++;
          expect(found, `colour ${color} must not appear`).toBeLessThan(50);
        }
      });
    }
  }
});
