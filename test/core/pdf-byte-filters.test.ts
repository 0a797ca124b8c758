import { describe, expect, it } from 'vitest';
import { decodeAscii85, decodeAsciiHex, decodeRunLength } from '../../src/core/pdf-byte-filters.ts';
import { encodeAscii85, encodeRunLength } from '../support/pdf-encodings.ts';

const sample = Buffer.from('q 300 0 0 189 0 0 cm /Im0 Do Q\n\x00\x01\xfe\xff'.repeat(40), 'latin1');

describe('PDF byte filters', () => {
  it('ASCIIHexDecode: pairs of digits, white space skipped, an odd last digit padded with 0, > ends the data', () => {
    expect(decodeAsciiHex(Buffer.from(`${sample.toString('hex').replace(/(..)/g, '$1 ')}>ignored`), 1 << 20)).toEqual(sample);
    expect(decodeAsciiHex(Buffer.from('414 2\n4>'), 100)).toEqual(Buffer.from('AB@'));
  });

  it('ASCII85Decode: 5-character groups, z for four zeros, a short last group, ~> ends the data', () => {
    expect(decodeAscii85(encodeAscii85(sample), 1 << 20)).toEqual(sample);
    expect(decodeAscii85(Buffer.from('z !!!\n!" !!~> z'), 100)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0]));
  });

  it('RunLengthDecode: literal runs and repeats, 128 ends the data', () => {
    expect(decodeRunLength(encodeRunLength(sample), 1 << 20)).toEqual(sample);
    expect(decodeRunLength(Buffer.from([2, 65, 66, 67, 254, 68, 128, 69]), 100)).toEqual(Buffer.from('ABCDDD'));
  });

  it('stops past the output bound (RunLength grows up to 128-fold)', () => {
    const bomb = Buffer.alloc(20_000);
    for (let i = 0; i < bomb.length; i += 2) bomb[i] = 129;
    expect(decodeRunLength(bomb, 1_000_000)).toBeUndefined();
    expect(decodeRunLength(bomb, 2_000_000)?.length).toBe(1_280_000);
    expect(decodeAsciiHex(Buffer.from('41'.repeat(101)), 100)).toBeUndefined();
    expect(decodeAscii85(Buffer.from('z'.repeat(26)), 100)).toBeUndefined();
  });
});
