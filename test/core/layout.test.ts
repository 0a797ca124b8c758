import { describe, expect, it } from 'vitest';
import { BRAND_AREA, computeCardLayout, coverRect, fitInside, LOGO_AREA, TEXT_AREA } from '../../src/core/layout.ts';

describe('layout constants (DESIGN §2)', () => {
  it('places the three areas at the published pixel positions', () => {
    expect(LOGO_AREA).toEqual({ left: 82, top: 57, width: 1372, height: 283 });
    expect(BRAND_AREA).toEqual({ left: 995, top: 629, width: 459, height: 283 });
    expect(TEXT_AREA).toEqual({ left: 82, top: 629, width: 831, height: 283 });
  });
});

describe('fitInside', () => {
  it('scales a wide logo down to the box width', () => {
    expect(fitInside({ width: 2000, height: 500 }, { width: 1372, height: 283 })).toEqual({ width: 1132, height: 283 });
    expect(fitInside({ width: 4000, height: 100 }, { width: 1372, height: 283 })).toEqual({ width: 1372, height: 34 });
  });

  it('scales a tiny logo up to the largest size that fits', () => {
    expect(fitInside({ width: 20, height: 10 }, { width: 1372, height: 283 })).toEqual({ width: 566, height: 283 });
    expect(fitInside({ width: 20, height: 20 }, { width: 459, height: 283 })).toEqual({ width: 283, height: 283 });
  });

  it('fits a tall logo by height', () => {
    expect(fitInside({ width: 100, height: 400 }, { width: 645, height: 283 })).toEqual({ width: 71, height: 283 });
  });

  it('keeps at least one pixel for extreme aspect ratios', () => {
    expect(fitInside({ width: 100_000, height: 1 }, { width: 1372, height: 283 })).toEqual({ width: 1372, height: 1 });
  });

  it('rejects empty sizes', () => {
    expect(() => fitInside({ width: 0, height: 10 }, { width: 10, height: 10 })).toThrow(RangeError);
  });
});

describe('coverRect', () => {
  it('is the identity for a background of the card size', () => {
    expect(coverRect({ width: 1536, height: 969 }, { width: 1536, height: 969 })).toEqual({ width: 1536, height: 969, left: 0, top: 0 });
  });

  it('covers with a 16:9 background by height and crops the sides', () => {
    // s = 969/1080; width = round(1920·s) = 1723; crop left = floor((1723 - 1536)/2) = 93
    expect(coverRect({ width: 1920, height: 1080 }, { width: 1536, height: 969 })).toEqual({ width: 1723, height: 969, left: 93, top: 0 });
  });

  it('covers with a 1:1 background by width and crops top and bottom', () => {
    // 1536x1536, crop top = floor((1536 - 969)/2) = 283
    expect(coverRect({ width: 500, height: 500 }, { width: 1536, height: 969 })).toEqual({ width: 1536, height: 1536, left: 0, top: 283 });
  });

  it('scales a small background up and a PDF page in points alike', () => {
    expect(coverRect({ width: 153.6, height: 96.9 }, { width: 1536, height: 969 })).toEqual({ width: 1536, height: 969, left: 0, top: 0 });
    expect(coverRect({ width: 300, height: 100 }, { width: 1536, height: 969 })).toEqual({ width: 2907, height: 969, left: 685, top: 0 });
  });
});

describe('computeCardLayout', () => {
  it('has only the text area without logos', () => {
    expect(computeCardLayout({})).toEqual({ textArea: { left: 82, top: 629, width: 831, height: 283 } });
  });

  it('centres a single issuer logo in C x D', () => {
    // 600x300 fits 1372x283 as 566x283: left = 82 + floor((1372-566)/2) = 485, top 57
    expect(computeCardLayout({ issuer: { width: 600, height: 300 } }).issuer).toEqual({ left: 485, top: 57, width: 566, height: 283 });
    // 4000x100 -> 1372x34: left 82, top = 57 + floor((283-34)/2) = 181
    expect(computeCardLayout({ issuer: { width: 4000, height: 100 } }).issuer).toEqual({ left: 82, top: 181, width: 1372, height: 34 });
  });

  it('centres a single co-brand logo the same way', () => {
    // 20x20 -> 283x283: left = 82 + floor(1089/2) = 626
    const layout = computeCardLayout({ coBrand: { width: 20, height: 20 } });
    expect(layout.issuer).toBeUndefined();
    expect(layout.coBrand).toEqual({ left: 626, top: 57, width: 283, height: 283 });
  });

  it('puts issuer and co-brand side by side, 82 apart, the pair centred', () => {
    // issuer 400x200 -> 566x283; co-brand 300x100 -> 645x215; total 566+82+645 = 1293
    // pair left = 82 + floor((1372-1293)/2) = 121; co-brand left = 121+566+82 = 769, top = 57 + floor(68/2) = 91
    const layout = computeCardLayout({ issuer: { width: 400, height: 200 }, coBrand: { width: 300, height: 100 } });
    expect(layout.issuer).toEqual({ left: 121, top: 57, width: 566, height: 283 });
    expect(layout.coBrand).toEqual({ left: 769, top: 91, width: 645, height: 215 });
  });

  it('puts two wide logos edge to edge in the area', () => {
    // each 645x10, top = 57 + floor(273/2) = 193; total 1372 -> pair left 82
    const layout = computeCardLayout({ issuer: { width: 6450, height: 100 }, coBrand: { width: 6450, height: 100 } });
    expect(layout.issuer).toEqual({ left: 82, top: 193, width: 645, height: 10 });
    expect(layout.coBrand).toEqual({ left: 809, top: 193, width: 645, height: 10 });
    expect(layout.coBrand!.left + layout.coBrand!.width).toBe(1454);
  });

  it('anchors the brand logo in the bottom-right corner of E x D', () => {
    // 200x120 -> s = min(459/200, 283/120) = 2.295 -> 459x275; left 995, top = 912-275 = 637
    expect(computeCardLayout({ brand: { width: 200, height: 120 } }).brand).toEqual({ left: 995, top: 637, width: 459, height: 275 });
    // tall 100x200 -> 142x283 -> left = 1454-142 = 1312, top 629
    expect(computeCardLayout({ brand: { width: 100, height: 200 } }).brand).toEqual({ left: 1312, top: 629, width: 142, height: 283 });
    // huge 4000x4000 -> 283x283
    expect(computeCardLayout({ brand: { width: 4000, height: 4000 } }).brand).toEqual({ left: 1171, top: 629, width: 283, height: 283 });
  });
});
