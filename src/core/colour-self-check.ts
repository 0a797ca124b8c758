/**
 * Start-up self-check of the rasterizer's colour management: one DeviceCMYK swatch of the four process inks drawn
 * where PDFs are drawn, its pixels held against Acrobat's US Web Coated (SWOP) values. pdf.js without colour
 * management (qcms and its CMYK profile not loaded) falls back to a polynomial without a word, and the swatch shows it:
 * its cyan, magenta, yellow and black are 11 to 61 levels off.
 */
import type { Rasterizer } from './asset-media.ts';
import { onePagePdf } from './minimal-pdf.ts';

/** Acrobat's process colours for US Web Coated (SWOP) v2, as 8-bit sRGB. */
export const SWOP_PROCESS_COLOURS = {
  cyan: [0, 174, 239],
  magenta: [236, 0, 140],
  yellow: [255, 242, 0],
  black: [35, 31, 32],
} as const satisfies Record<string, readonly [number, number, number]>;

export type ProcessInk = keyof typeof SWOP_PROCESS_COLOURS;

/** ±4 levels per channel: qcms with pdf.js's profile lands within 2 of Acrobat; the fallback polynomial is 11 or more off. */
export const COLOUR_CHECK_TOLERANCE = 4;
/** Each ink is a 10 pt square, drawn at 1 px per pt, and sampled at its centre (away from any anti-aliased edge). */
const SWATCH_SIDE = 10;
const INKS = Object.keys(SWOP_PROCESS_COLOURS) as ProcessInk[];

/** A one-page PDF of four DeviceCMYK squares, 100 % cyan, magenta, yellow and black, left to right. */
export function processInkSwatchPdf(): Buffer {
  const content = INKS.map((_, index) => {
    const cmyk = INKS.map((__, j) => (j === index ? 1 : 0)).join(' ');
    return `${cmyk} k ${index * SWATCH_SIDE} 0 ${SWATCH_SIDE} ${SWATCH_SIDE} re f`;
  }).join('\n');
  return onePagePdf({ mediaBox: [0, 0, INKS.length * SWATCH_SIDE, SWATCH_SIDE], content });
}

export interface ColourCheckResult {
  /** True when every ink is within COLOUR_CHECK_TOLERANCE of its SWOP value. */
  managed: boolean;
  /** The drawn colour of each ink (8-bit sRGB). */
  drawn: Record<ProcessInk, [number, number, number]>;
}

/** Draws the swatch with `rasterizer` (the service's: in the rasterizer process) and compares it with SWOP. */
export async function checkColourManagement(rasterizer: Rasterizer): Promise<ColourCheckResult> {
  const width = INKS.length * SWATCH_SIDE;
  const image = await rasterizer.rasterize({ kind: 'pdf', bytes: processInkSwatchPdf(), width, height: SWATCH_SIDE }, { width, height: SWATCH_SIDE });
  const centre = Math.floor(SWATCH_SIDE / 2);
  let managed = true;
  const drawn = {} as ColourCheckResult['drawn'];
  INKS.forEach((ink, index) => {
    const offset = (centre * image.width + index * SWATCH_SIDE + centre) * 4;
    const rgb: [number, number, number] = [image.data[offset]!, image.data[offset + 1]!, image.data[offset + 2]!];
    drawn[ink] = rgb;
    if (image.data[offset + 3] !== 255 || rgb.some((value, c) => Math.abs(value - SWOP_PROCESS_COLOURS[ink][c]!) > COLOUR_CHECK_TOLERANCE)) managed = false;
  });
  return { managed, drawn };
}
