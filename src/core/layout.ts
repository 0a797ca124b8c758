/** The MDES combined-card layout as pure arithmetic: natural sizes in, pixel rectangles out. */
import { CARD_HEIGHT, CARD_WIDTH } from './card-render-types.ts';

/** A: side padding. */
export const PADDING_X = 82;
/** B: top/bottom padding. */
export const PADDING_Y = 57;
/** C: width of the issuer/co-brand area. */
export const LOGO_AREA_WIDTH = 1372;
/** D: height of both logo areas. */
export const LOGO_AREA_HEIGHT = 283;
/** E: width of the brand logo area. */
export const BRAND_AREA_WIDTH = 459;
/** Each of two side-by-side logos fits (C - A) / 2 = 645 wide; A is also the gap between them. */
export const PAIR_LOGO_WIDTH = (LOGO_AREA_WIDTH - PADDING_X) / 2;

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Logo area (issuer and/or co-brand): x 82…1454, y 57…340. */
export const LOGO_AREA: Rect = { left: PADDING_X, top: PADDING_Y, width: LOGO_AREA_WIDTH, height: LOGO_AREA_HEIGHT };
/** Brand area: x 995…1454, y 629…912. */
export const BRAND_AREA: Rect = {
  left: CARD_WIDTH - PADDING_X - BRAND_AREA_WIDTH,
  top: CARD_HEIGHT - PADDING_Y - LOGO_AREA_HEIGHT,
  width: BRAND_AREA_WIDTH,
  height: LOGO_AREA_HEIGHT,
};
/** Text area: x 82…913, y 629…912 (left of the brand area with an A-wide gap). */
export const TEXT_AREA: Rect = {
  left: PADDING_X,
  top: BRAND_AREA.top,
  width: BRAND_AREA.left - PADDING_X - PADDING_X,
  height: LOGO_AREA_HEIGHT,
};

export interface CardLayout {
  issuer?: Rect;
  coBrand?: Rect;
  brand?: Rect;
  textArea: Rect;
}

/** Largest size with the natural aspect ratio that fits `box`: round(w·s) × round(h·s), s = min(bw/w, bh/h), at least 1 px. */
export function fitInside(natural: Size, box: Size): Size {
  assertPositive(natural, 'natural');
  assertPositive(box, 'box');
  const scale = Math.min(box.width / natural.width, box.height / natural.height);
  return {
    width: clamp(Math.round(natural.width * scale), 1, box.width),
    height: clamp(Math.round(natural.height * scale), 1, box.height),
  };
}

/**
 * Smallest size with the natural aspect ratio that covers `canvas`, plus the offsets of the centred
 * `canvas`-sized crop inside it (the region to extract).
 */
export function coverRect(natural: Size, canvas: Size): Rect {
  assertPositive(natural, 'natural');
  assertPositive(canvas, 'canvas');
  const scale = Math.max(canvas.width / natural.width, canvas.height / natural.height);
  const width = Math.max(canvas.width, Math.round(natural.width * scale));
  const height = Math.max(canvas.height, Math.round(natural.height * scale));
  return {
    width,
    height,
    left: Math.floor((width - canvas.width) / 2),
    top: Math.floor((height - canvas.height) / 2),
  };
}

/** Places the logos present (by natural size) on the 1536×969 card; the text area is fixed. */
export function computeCardLayout(input: { issuer?: Size; coBrand?: Size; brand?: Size }): CardLayout {
  const layout: CardLayout = { textArea: { ...TEXT_AREA } };
  if (input.issuer && input.coBrand) {
    const pairBox = { width: PAIR_LOGO_WIDTH, height: LOGO_AREA_HEIGHT };
    const issuer = fitInside(input.issuer, pairBox);
    const coBrand = fitInside(input.coBrand, pairBox);
    const total = issuer.width + PADDING_X + coBrand.width;
    const pairLeft = LOGO_AREA.left + Math.floor((LOGO_AREA.width - total) / 2);
    layout.issuer = { left: pairLeft, top: centredTop(issuer.height), ...issuer };
    layout.coBrand = { left: pairLeft + issuer.width + PADDING_X, top: centredTop(coBrand.height), ...coBrand };
  } else if (input.issuer || input.coBrand) {
    const single = fitInside((input.issuer ?? input.coBrand) as Size, LOGO_AREA);
    const rect = { left: LOGO_AREA.left + Math.floor((LOGO_AREA.width - single.width) / 2), top: centredTop(single.height), ...single };
    if (input.issuer) layout.issuer = rect;
    else layout.coBrand = rect;
  }
  if (input.brand) {
    const brand = fitInside(input.brand, BRAND_AREA);
    layout.brand = {
      left: BRAND_AREA.left + BRAND_AREA.width - brand.width,
      top: BRAND_AREA.top + BRAND_AREA.height - brand.height,
      ...brand,
    };
  }
  return layout;
}

function centredTop(height: number): number {
  return LOGO_AREA.top + Math.floor((LOGO_AREA.height - height) / 2);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function assertPositive(size: Size, name: string): void {
  if (!(size.width > 0 && size.height > 0 && Number.isFinite(size.width) && Number.isFinite(size.height))) {
    throw new RangeError(`${name} size must be positive and finite, got ${size.width}x${size.height}`);
  }
}
