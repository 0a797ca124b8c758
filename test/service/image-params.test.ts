import { describe, expect, test } from 'vitest';
import { etagForKey, ifNoneMatchHits } from '../../src/service/etag.ts';
import { chooseFormat, parseWidth } from '../../src/service/image-params.ts';

describe('chooseFormat', () => {
  test.each([
    [undefined, 'image/avif,image/webp,image/apng,*/*;q=0.8', 'avif'],
    [undefined, 'image/webp,*/*', 'webp'],
    [undefined, 'image/avif;q=0,image/webp;q=0.5', 'webp'],
    [undefined, '*/*', 'png'],
    [undefined, undefined, 'png'],
    [undefined, 'image/*', 'png'],
  ])('format %s with Accept %s gives %s (negotiated)', (format, accept, expected) => {
    expect(chooseFormat(format, accept)).toEqual({ format: expected, negotiated: true });
  });

  test('an explicit format wins over Accept', () => {
    expect(chooseFormat('png', 'image/avif')).toEqual({ format: 'png', negotiated: false });
  });

  test('an unknown format is 400 INVALID_FORMAT', () => {
    expect(() => chooseFormat('jpeg', undefined)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_FORMAT' }));
  });
});

describe('parseWidth', () => {
  test('allowed widths pass, absent gives the fallback', () => {
    expect(parseWidth('384', 1536)).toBe(384);
    expect(parseWidth(768, 1536)).toBe(768);
    expect(parseWidth(undefined, 1536)).toBe(1536);
    expect(parseWidth(undefined, undefined)).toBeUndefined();
  });

  test.each(['385', '0', '-384', '384.0', '1e3', 'abc', 384.5])('%s is 400 INVALID_WIDTH', (raw) => {
    expect(() => parseWidth(raw, 1536)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_WIDTH' }));
  });
});

describe('ETags', () => {
  test('derived from the cache key: stable, strong, distinct per key', () => {
    const tag = etagForKey('abc');
    expect(tag).toBe(etagForKey('abc'));
    expect(tag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(etagForKey('abd')).not.toBe(tag);
  });

  test('If-None-Match matches exact, listed, weak and * tags only', () => {
    const tag = '"x1"';
    expect(ifNoneMatchHits('"x1"', tag)).toBe(true);
    expect(ifNoneMatchHits('"a", "x1" ,"b"', tag)).toBe(true);
    expect(ifNoneMatchHits('W/"x1"', tag)).toBe(true);
    expect(ifNoneMatchHits('*', tag)).toBe(true);
    expect(ifNoneMatchHits('"x2"', tag)).toBe(false);
    expect(ifNoneMatchHits(undefined, tag)).toBe(false);
  });
});
