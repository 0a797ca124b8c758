/**
 * The constructs issuer art is exported with, each in a small PDF written in the test (test/support/fidelity-pdfs.ts),
 * drawn by the rasterizer process (the service's path) and by pdf.js in Chromium (the oracle): every page within a
 * mean of 2 levels (premultiplied RGBA), and the figures that matter held against Acrobat's and poppler's numbers.
 * Before this rasterizer drew soft masks and managed colour, the fade was a solid block (128 levels off), process
 * magenta 251,49,153, Adobe RGB 26,153,76 and the spot red 255,56,24.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RasterImage } from '../../src/core/asset-media.ts';
import { SWOP_PROCESS_COLOURS } from '../../src/core/colour-self-check.ts';
import { createRasterizer, type ServiceRasterizer } from '../../src/core/rasterizer.ts';
import * as pdfs from '../support/fidelity-pdfs.ts';
import { pixelAt, premultipliedDistance } from '../support/image-distance.ts';
import { launchPdfjsChromium, type PdfjsChromium } from '../support/pdfjs-in-chromium.ts';

/** The same picture: a mean of 2 levels (premultiplied RGBA, largest channel difference per pixel). */
const SAME_PICTURE_LEVELS = 2;
/** Pages are drawn at 2 px per pt. */
const PX_PER_PT = 2;
/** Colours against a reference measured elsewhere (Acrobat, poppler): within 4 levels per channel. */
const COLOUR_LEVELS = 4;

let rasterizer: ServiceRasterizer;
let chromium: PdfjsChromium;

beforeAll(async () => {
  // The render time limit is not under test: a busy machine must not trip it while the rasterizer process starts.
  rasterizer = createRasterizer({ processes: 1, pdfRenderTimeoutMs: 60_000 });
  chromium = await launchPdfjsChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await rasterizer?.close();
});

interface Drawn {
  node: RasterImage;
  chromium: RasterImage;
  /** The centre pixel of the vertical strip at x (a fraction of the width), from the rasterizer. */
  at(fx: number, fy?: number): [number, number, number, number];
}

/** Draws `bytes` both ways at 2 px per pt and checks they are the same picture. */
async function drawBothWays(bytes: Buffer): Promise<Drawn> {
  const pt = await rasterizer.readPdfPageSize(bytes);
  const size = { width: Math.round(pt.width * PX_PER_PT), height: Math.round(pt.height * PX_PER_PT) };
  const node = await rasterizer.rasterize({ kind: 'pdf', bytes, width: pt.width, height: pt.height }, size);
  const reference = await chromium.render(bytes, size);
  const distance = premultipliedDistance(node, reference);
  expect(distance.mean, `mean distance to pdf.js in Chromium (max ${distance.max})`).toBeLessThanOrEqual(SAME_PICTURE_LEVELS);
  return { node, chromium: reference, at: (fx, fy = 0.5) => pixelAt(node, fx * size.width, fy * size.height) };
}

function expectColour(actual: readonly number[], expected: readonly number[], levels = COLOUR_LEVELS): void {
  const off = Math.max(...expected.map((value, c) => Math.abs(value - actual[c]!)));
  expect(off, `${actual.slice(0, 3).join(',')} vs ${expected.join(',')}`).toBeLessThanOrEqual(levels);
}

describe('constructs print workflows export, drawn as pdf.js draws them in Chromium', () => {
  it('a luminosity soft mask (gradient fade): alpha falls from ~242 to ~13 across, the colour stays', async () => {
    const drawn = await drawBothWays(pdfs.luminositySoftMaskFadePdf());
    const alphas = [0.02, 0.25, 0.5, 0.75, 0.98].map((fx) => drawn.at(fx)[3]);
    expect(alphas[0]).toBeGreaterThanOrEqual(230);
    expect(alphas[4]).toBeLessThanOrEqual(25);
    for (let i = 1; i < alphas.length; i++) expect(alphas[i]!).toBeLessThan(alphas[i - 1]!);
    expectColour(drawn.at(0.5), [204, 26, 26]);
  });

  it('DeviceCMYK process colours come out as Acrobat draws them (US Web Coated SWOP)', async () => {
    const drawn = await drawBothWays(pdfs.processColoursPdf());
    const inks = Object.keys(SWOP_PROCESS_COLOURS) as Array<keyof typeof SWOP_PROCESS_COLOURS>;
    inks.forEach((ink, index) => expectColour(drawn.at((index + 0.5) / 4), SWOP_PROCESS_COLOURS[ink]));
  });

  it('ICCBased Adobe RGB is converted (26,153,76 in Adobe RGB is 0,154,69 in sRGB, as poppler / lcms)', async () => {
    const drawn = await drawBothWays(pdfs.iccAdobeRgbPdf());
    expectColour(drawn.at(0.5), [0, 154, 69]);
  });

  it('ICCBased gray and ICCBased CMYK are converted through their profiles', async () => {
    const drawn = await drawBothWays(pdfs.iccGrayAndCmykPdf());
    expectColour(drawn.at(0.25), [128, 128, 128]);
    expectColour(drawn.at(0.75), SWOP_PROCESS_COLOURS.magenta);
  });

  it('a Separation spot colour goes through its CMYK alternate and the CMYK profile', async () => {
    const drawn = await drawBothWays(pdfs.separationPdf());
    // pdf.js in Chromium: 237,51,37 (poppler approximates 238,38,34); before: 255,56,24.
    expectColour(drawn.at(0.25), [237, 51, 37]);
    expect(drawn.at(0.75)[1]).toBeGreaterThan(drawn.at(0.25)[1]);
  });

  it('DeviceN, CalRGB and CalGray', async () => {
    const drawn = await drawBothWays(pdfs.otherColourSpacesPdf());
    expect(drawn.node.width).toBe(180);
  });

  it('blend modes and group opacity', async () => {
    const drawn = await drawBothWays(pdfs.blendAndGroupOpacityPdf());
    expectColour(drawn.at(0.05), [255, 0, 0, 255], 0);
    // Red multiplied by blue is black.
    expectColour(drawn.at(0.2), [0, 0, 0, 255], 0);
    // Two overlapping squares in a group at opacity 0.5: the overlap is no darker than the rest.
    expect(drawn.at(0.7)).toEqual(drawn.at(0.6));
    expect(drawn.at(0.7)[3]).toBeGreaterThanOrEqual(127);
    expect(drawn.at(0.7)[3]).toBeLessThanOrEqual(128);
  });

  it('an image with a soft mask', async () => {
    const drawn = await drawBothWays(pdfs.imageWithSoftMaskPdf());
    expect(drawn.at(0.03)[3]).toBe(255);
    expect(drawn.at(0.97)[3]).toBe(0);
    expect(drawn.at(0.5)[3]).toBeGreaterThan(90);
    expect(drawn.at(0.5)[3]).toBeLessThan(160);
  });

  it('optional content that is OFF is not drawn', async () => {
    const drawn = await drawBothWays(pdfs.optionalContentOffPdf());
    expectColour(drawn.at(0.5), [0, 0, 255, 255], 0);
  });

  it('CropBox and /Rotate 90: a 100 x 200 pt page, the crop’s left half on top', async () => {
    const bytes = pdfs.cropBoxRotatePdf();
    expect(await rasterizer.readPdfPageSize(bytes)).toEqual({ width: 100, height: 200 });
    const drawn = await drawBothWays(bytes);
    expectColour(drawn.at(0.5, 0.25), [255, 0, 0, 255], 0);
    expectColour(drawn.at(0.5, 0.75), [0, 0, 255, 255], 0);
  });

  it('a radial shading in an even-odd clip', async () => {
    const drawn = await drawBothWays(pdfs.radialShadingEvenOddClipPdf());
    expect(drawn.at(0.5)[3]).toBe(0);
    expect(drawn.at(0.2)[3]).toBe(255);
  });

  it('a transfer function (/TR) on a fill', async () => {
    const drawn = await drawBothWays(pdfs.transferFunctionFillPdf());
    // 0.8 0.2 0.1 inverted: 51,204,229 (±1 for pdf.js's own rounding of the table).
    expectColour(drawn.at(0.5), [51, 204, 229, 255], 2);
    expect(drawn.at(0.95)[3]).toBe(0);
  });
});
