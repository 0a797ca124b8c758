/** Card text (e.g. "•••• 1234") rendered with the shipped LiberationSans font, never a system font. */
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import type { RasterImage } from './asset-media.ts';
import { CARD_FONT_FILE } from './font-coverage.ts';
import type { Size } from './layout.ts';

/** 96 px: digits (cap height ≈ 0.72 em) stand about 69 px tall, a quarter of the 283 px text area, like embossed card numbers. */
export const TEXT_FONT_SIZE = 96;
/** Private family name, so a system font of the same name can never be picked instead. */
const FONT_FAMILY = 'CardArtLiberationSans';

let fontRegistered = false;

function ensureFontRegistered(): void {
  if (fontRegistered) return;
  // GlobalFonts is process-wide in @napi-rs/canvas; registering the same file twice would only waste memory.
  if (!GlobalFonts.registerFromPath(CARD_FONT_FILE, FONT_FAMILY)) {
    throw new Error(`cannot load the card text font ${CARD_FONT_FILE}`);
  }
  fontRegistered = true;
}

/**
 * Draws `text` in `colorHex` (6 hex digits) onto a transparent image of `area` size: ink left-aligned at x 0,
 * the ink box vertically centred, 96 px, shrunk until it fits the width. Straight alpha.
 */
export function renderTextOverlay(text: string, colorHex: string, area: Size): RasterImage {
  ensureFontRegistered();
  const canvas = createCanvas(area.width, area.height);
  const context = canvas.getContext('2d');
  let fontSize = TEXT_FONT_SIZE;
  context.font = `${fontSize}px ${FONT_FAMILY}`;
  let metrics = context.measureText(text);
  const inkWidth = () => metrics.actualBoundingBoxLeft + metrics.actualBoundingBoxRight;
  if (inkWidth() > area.width) {
    fontSize = Math.floor((fontSize * area.width) / inkWidth());
    for (;;) {
      context.font = `${fontSize}px ${FONT_FAMILY}`;
      metrics = context.measureText(text);
      if (inkWidth() <= area.width || fontSize <= 1) break;
      fontSize -= 1;
    }
  }
  const inkHeight = metrics.actualBoundingBoxAscent + metrics.actualBoundingBoxDescent;
  const baseline = (area.height - inkHeight) / 2 + metrics.actualBoundingBoxAscent;
  context.textBaseline = 'alphabetic';
  context.fillStyle = '#000000';
  context.fillText(text, metrics.actualBoundingBoxLeft, baseline);

  // Only the coverage (alpha) is taken from the canvas; the colour is set exactly, so premultiplication cannot tint edges.
  const coverage = context.getImageData(0, 0, area.width, area.height).data;
  const [red, green, blue] = [0, 2, 4].map((offset) => Number.parseInt(colorHex.slice(offset, offset + 2), 16));
  const data = Buffer.alloc(area.width * area.height * 4);
  for (let index = 0; index < data.length; index += 4) {
    const alpha = coverage[index + 3]!;
    if (alpha === 0) continue;
    data[index] = red!;
    data[index + 1] = green!;
    data[index + 2] = blue!;
    data[index + 3] = alpha;
  }
  return { data, width: area.width, height: area.height };
}
