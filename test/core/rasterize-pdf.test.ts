import { describe, expect, it } from 'vitest';
import { rasterizePdf, readPdfPageSize } from '../../src/core/rasterize-pdf.ts';
import type { RasterImage } from '../../src/core/asset-media.ts';
import {
  makeEncryptedLookingPdf,
  makeJavaScriptPdf,
  makePdfWithMediaBox,
  makePdfWithText,
  makeVectorPdf,
  truncatePdf,
} from '../support/pdf-fixtures.ts';

function pixel(image: RasterImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.data.subarray(at, at + 4)];
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('readPdfPageSize', () => {
  it('reads page 1 in points, respecting /Rotate', async () => {
    expect(await readPdfPageSize(await makeVectorPdf({ widthPt: 300, heightPt: 189 }))).toEqual({ width: 300, height: 189 });
    expect(await readPdfPageSize(await makeVectorPdf({ widthPt: 300, heightPt: 189, rotate: 90 }))).toEqual({ width: 189, height: 300 });
  });

  it.each([
    ['a zero MediaBox', '0 0 0 0'],
    ['a NaN MediaBox', '0 0 abc 100'],
    ['a 200000 pt page', '0 0 200000 200000'],
    ['a page just over 14400 pt', '0 0 14401 100'],
  ])('refuses %s with PDF_PAGE_SIZE_INVALID', async (_name, box) => {
    expect(await codeOf(readPdfPageSize(await makePdfWithMediaBox(box)))).toBe('PDF_PAGE_SIZE_INVALID');
  });

  it('accepts a 14400 pt page side', async () => {
    expect(await readPdfPageSize(await makePdfWithMediaBox('0 0 14400 10'))).toEqual({ width: 14400, height: 10 });
  });

  it('maps broken, truncated and encrypted documents to stable codes', async () => {
    const valid = await makeVectorPdf({ widthPt: 100, heightPt: 50, shapes: [{ x: 0, y: 0, w: 10, h: 10, color: '#00ff00' }] });
    expect(await codeOf(readPdfPageSize(Buffer.from('%PDF-1.7\nnot really a pdf')))).toBe('PDF_INVALID');
    expect(await codeOf(readPdfPageSize(truncatePdf(valid, 0.5)))).toBe('PDF_INVALID');
    expect(await codeOf(readPdfPageSize(makeEncryptedLookingPdf()))).toBe('PDF_ENCRYPTED');
    expect(await codeOf(readPdfPageSize(makeJavaScriptPdf()))).toBe('PDF_UNSAFE');
    const error = await readPdfPageSize(makeEncryptedLookingPdf()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502 });
  });
});

describe('rasterizePdf', () => {
  const redHalfPage = makeVectorPdf({
    widthPt: 100,
    heightPt: 50,
    shapes: [{ x: 25, y: 0, w: 50, h: 50, color: '#ff0000', opacity: 0.5 }],
  });

  it('renders at exactly the requested size, including a non-uniform scale', async () => {
    const image = await rasterizePdf(await redHalfPage, { width: 1001, height: 499 });
    expect(image.width).toBe(1001);
    expect(image.height).toBe(499);
    expect(image.data.length).toBe(1001 * 499 * 4);
  });

  it('renders on a transparent page and keeps a 50% colour straight (not premultiplied)', async () => {
    const image = await rasterizePdf(await redHalfPage, { width: 200, height: 100 });
    expect(pixel(image, 0, 0)[3]).toBe(0);
    expect(pixel(image, 199, 99)[3]).toBe(0);
    const [r, g, b, a] = pixel(image, 100, 50);
    expect(r).toBeGreaterThanOrEqual(250);
    expect(g).toBeLessThanOrEqual(3);
    expect(b).toBeLessThanOrEqual(3);
    expect(Math.abs(a! - 128)).toBeLessThanOrEqual(2);
  });

  it('renders vectors crisply at a large size (edge over at most 2 px at 1000 px wide)', async () => {
    const pdf = await makeVectorPdf({ widthPt: 100, heightPt: 50, shapes: [{ x: 25, y: 0, w: 50, h: 50, color: '#0000ff' }] });
    const image = await rasterizePdf(pdf, { width: 1000, height: 500 });
    const row = 250;
    const partial = [];
    for (let x = 240; x < 260; x++) {
      const alpha = pixel(image, x, row)[3]!;
      if (alpha > 0 && alpha < 255) partial.push(x);
    }
    expect(partial.length).toBeLessThanOrEqual(2);
    expect(pixel(image, 245, row)[3]).toBe(0);
    expect(pixel(image, 255, row)).toEqual([0, 0, 255, 255]);
  });

  it('renders standard-font text from pdf.js font data', async () => {
    const pdf = await makePdfWithText({ widthPt: 200, heightPt: 60, text: 'HELLO', x: 10, y: 15, sizePt: 36 });
    const image = await rasterizePdf(pdf, { width: 400, height: 120 });
    let inked = 0;
    for (let y = 40; y < 100; y++) {
      for (let x = 20; x < 260; x++) if (pixel(image, x, y)[3]! > 128) inked++;
    }
    expect(inked).toBeGreaterThan(1000);
    expect(pixel(image, 399, 0)[3]).toBe(0);
  });

  it('refuses bad documents with the same codes as reading the size', async () => {
    expect(await codeOf(rasterizePdf(makeEncryptedLookingPdf(), { width: 10, height: 10 }))).toBe('PDF_ENCRYPTED');
    expect(await codeOf(rasterizePdf(await makePdfWithMediaBox('0 0 0 0'), { width: 10, height: 10 }))).toBe('PDF_PAGE_SIZE_INVALID');
  });

  it('stops an in-process render at its time limit with 502 PDF_TOO_COMPLEX', async () => {
    const shapes = [];
    for (let i = 0; i < 300; i++) shapes.push({ x: (i * 7) % 290, y: (i * 13) % 180, w: 9, h: 9, color: '#336699', opacity: 0.5 });
    const pdf = await makeVectorPdf({ widthPt: 300, heightPt: 189, shapes });
    const error = await rasterizePdf(pdf, { width: 1500, height: 945 }, { timeoutMs: 1 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 502, code: 'PDF_TOO_COMPLEX' });
  });

  it('does not detach or modify the caller\'s bytes', async () => {
    const pdf = await redHalfPage;
    const copy = Buffer.from(pdf);
    await rasterizePdf(pdf, { width: 20, height: 10 });
    expect(pdf.equals(copy)).toBe(true);
  });
});
