import { describe, expect, it } from 'vitest';
import { assertAssetId } from '../../src/core/asset-id.ts';
import { assertAccountRanges } from '../../src/upstream/validate-input.ts';

describe('assertAssetId', () => {
  it('accepts UUIDs and 1..64 characters of A-Za-z0-9_-', () => {
    expect(assertAssetId('3789637f-32a1-4810-a138-4bf34501c321')).toBe('3789637f-32a1-4810-a138-4bf34501c321');
    expect(assertAssetId('a')).toBe('a');
    expect(assertAssetId('x'.repeat(64))).toBe('x'.repeat(64));
  });

  it.each([['', 'empty'], ['x'.repeat(65), 'too long'], ['../etc/passwd', 'path'], ['a b', 'space'], ['a.png', 'dot'], ['é', 'non-ASCII']])(
    'rejects %j (%s) with 400 INVALID_ASSET_ID',
    (id) => {
      expect(() => assertAssetId(id)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_ASSET_ID' }));
    },
  );

  it('rejects non-strings', () => {
    for (const id of [undefined, null, 42, ['a'], { id: 'a' }]) {
      expect(() => assertAssetId(id)).toThrow(expect.objectContaining({ code: 'INVALID_ASSET_ID' }));
    }
  });
});

describe('assertAccountRanges', () => {
  it('accepts 1..25 numeric strings of 9..19 digits and returns a copy', () => {
    const ranges = ['512345678', '5123456789012345678'];
    const result = assertAccountRanges(ranges);
    expect(result).toEqual(ranges);
    expect(result).not.toBe(ranges);
    expect(assertAccountRanges(Array.from({ length: 25 }, (_, i) => `5400000${String(i).padStart(2, '0')}`))).toHaveLength(25);
  });

  it.each([
    [[], 'empty'],
    [Array.from({ length: 26 }, () => '540000000'), '26 ranges'],
    [['51234567'], '8 digits'],
    [['51234567890123456789'], '20 digits'],
    [['5123456a9'], 'letter'],
    [[512345678], 'number, not string'],
    ['512345678', 'not an array'],
    [undefined, 'missing'],
  ] as Array<[unknown, string]>)('rejects %j (%s) with 400 INVALID_ACCOUNT_RANGES', (ranges: unknown) => {
    expect(() => assertAccountRanges(ranges)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_ACCOUNT_RANGES' }));
  });
});
