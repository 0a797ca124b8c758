import { describe, expect, it } from 'vitest';
import { absoluteUnitsToPx, LENGTH_ATTRIBUTES } from '../../src/core/svg-absolute-units.ts';

describe('absoluteUnitsToPx', () => {
  it('writes mm, cm, in, pt and pc as px at 96 per inch', () => {
    expect(absoluteUnitsToPx('1in')).toBe('96px');
    expect(absoluteUnitsToPx('2.54cm')).toBe('96px');
    expect(absoluteUnitsToPx('25.4mm')).toBe('96px');
    expect(absoluteUnitsToPx('72pt')).toBe('96px');
    expect(absoluteUnitsToPx('6pc')).toBe('96px');
    expect(absoluteUnitsToPx('-.5IN')).toBe('-48px');
    expect(absoluteUnitsToPx('1e1mm')).toBe('37.795276px');
  });

  it('rewrites every length of a list or a declaration block and nothing else', () => {
    expect(absoluteUnitsToPx('5mm, 10 1in')).toBe('18.897638px, 10 96px');
    expect(absoluteUnitsToPx('stroke-width:1pt;font:12pt Noto Sans;fill:url(#g1in)')).toBe('stroke-width:1.3333333px;font:16px Noto Sans;fill:url(#g1in)');
    // Identifiers that merely contain a number and a unit, other units, and Q (unknown to librsvg) stay.
    for (const untouched of ['#a5mm', '.x1in', 'r2pt', '3pts', '1em', '50%', '10px', '4Q', 'in', 'rotate(45)']) {
      expect(absoluteUnitsToPx(untouched), untouched).toBe(untouched);
    }
  });

  it('is applied to length attributes only (not to ids, names, path data or transforms)', () => {
    for (const name of ['x', 'width', 'stroke-width', 'font-size', 'dx']) expect(LENGTH_ATTRIBUTES.has(name), name).toBe(true);
    for (const name of ['id', 'class', 'font-family', 'd', 'points', 'viewBox', 'transform', 'in', 'result']) {
      expect(LENGTH_ATTRIBUTES.has(name), name).toBe(false);
    }
  });
});
