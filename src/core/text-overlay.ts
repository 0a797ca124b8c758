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

/** Pixels kept around the measured ink box, so anti-aliased edges are never cut. */
const INK_MARGIN = 2;

/** The text drawn only over its ink box: `left`/`top` place that box inside the text area. */
export interface TextLayer {
  image: RasterImage;
  left: number;
  top: number;
}

/**
 * Draws `text` in `colorHex` (6 hex digits) as it sits in a transparent `area`: ink left-aligned at x 0, the ink box
 * vertically centred, 96 px, shrunk until it fits the width. Straight alpha. Only the ink box (plus a small margin)
 * is drawn and returned — about a tenth of the area — so a render makes no megabyte buffers for its text.
 */
export function renderTextLayer(text: string, colorHex: string, area: Size): TextLayer {
  ensureFontRegistered();
  const measuring = createCanvas(1, 1).getContext('2d');
  let fontSize = TEXT_FONT_SIZE;
  measuring.font = `${fontSize}px ${FONT_FAMILY}`;
  let metrics = measuring.measureText(text);
  const inkWidth = () => metrics.actualBoundingBoxLeft + metrics.actualBoundingBoxRight;
  if (inkWidth() > area.width) {
    fontSize = Math.floor((fontSize * area.width) / inkWidth());
    for (;;) {
      measuring.font = `${fontSize}px ${FONT_FAMILY}`;
      metrics = measuring.measureText(text);
      if (inkWidth() <= area.width || fontSize <= 1) break;
      fontSize -= 1;
    }
  }
  const inkHeight = metrics.actualBoundingBoxAscent + metrics.actualBoundingBoxDescent;
  const baseline = (area.height - inkHeight) / 2 + metrics.actualBoundingBoxAscent;
  // Integer offsets keep every glyph at the same sub-pixel position as on a canvas of the whole area.
  const left = 0;
  const top = Math.max(0, Math.floor(baseline - metrics.actualBoundingBoxAscent) - INK_MARGIN);
  const right = Math.min(area.width, Math.ceil(inkWidth()) + INK_MARGIN);
  const bottom = Math.min(area.height, Math.ceil(baseline + metrics.actualBoundingBoxDescent) + INK_MARGIN);
  const width = Math.max(1, right - left);
  const height = Math.max(1, bottom - top);
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  context.font = `${fontSize}px ${FONT_FAMILY}`;
  context.textBaseline = 'alphabetic';
  context.fillStyle = '#000000';
  context.fillText(text, metrics.actualBoundingBoxLeft - left, baseline - top);

  // Only the coverage (alpha) is taken from the canvas; the colour is set exactly, so premultiplication cannot tint
  // edges. Black ink premultiplied is (0, 0, 0, a), so the colour is written into the same buffer (no copy).
  const pixels = context.getImageData(0, 0, width, height).data;
  const [red, green, blue] = [0, 2, 4].map((offset) => Number.parseInt(colorHex.slice(offset, offset + 2), 16));
  for (let index = 0; index < pixels.length; index += 4) {
    if (pixels[index + 3] === 0) continue;
    pixels[index] = red!;
    pixels[index + 1] = green!;
    pixels[index + 2] = blue!;
  }
  return { image: { data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), width, height }, left, top };
}

/** The text layer over the whole area (transparent elsewhere): what renderTextLayer places, as one image. */
export function renderTextOverlay(text: string, colorHex: string, area: Size): RasterImage {
  const layer = renderTextLayer(text, colorHex, area);
  const data = Buffer.alloc(area.width * area.height * 4);
  const rowBytes = layer.image.width * 4;
  for (let row = 0; row < layer.image.height; row++) {
    layer.image.data.copy(data, ((layer.top + row) * area.width + layer.left) * 4, row * rowBytes, (row + 1) * rowBytes);
  }
  return { data, width: area.width, height: area.height };
}
