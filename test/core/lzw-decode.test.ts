import { describe, expect, it } from 'vitest';
import { createLzwDecoder } from '../../src/core/lzw-decode.ts';
import { lzwEncode, makeLzwBombStream } from '../support/hostile-pdf-fixtures.ts';

async function decode(data: Buffer, chunkBytes = 1000): Promise<Buffer> {
  const decoder = createLzwDecoder();
  const pieces: Buffer[] = [];
  decoder.on('data', (piece: Buffer) => pieces.push(piece));
  const ended = new Promise((resolve) => decoder.on('end', resolve));
  // Fed in small chunks, so codes straddle chunk boundaries.
  for (let at = 0; at < data.length; at += chunkBytes) decoder.write(data.subarray(at, at + chunkBytes));
  decoder.end();
  await ended;
  return Buffer.concat(pieces);
}

/** Deterministic bytes (xorshift), incompressible enough to fill the 4096-entry table many times. */
function noise(length: number): Buffer {
  const out = Buffer.alloc(length);
  let state = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

describe('LZW decoder (the PDF preflight)', () => {
  it('round-trips text, long runs and noise that fills the table (clear codes, 9- to 12-bit codes)', async () => {
    const text = Buffer.from('0 0 1 rg 0 0 300 189 re f\n'.repeat(400), 'latin1');
    const runs = Buffer.concat([Buffer.alloc(100_000, 0x20), Buffer.alloc(5, 0x41), Buffer.alloc(70_000, 0x20)]);
    const random = noise(300_000);
    for (const original of [text, runs, random, Buffer.from('a')]) {
      const encoded = lzwEncode(original);
      expect((await decode(encoded)).equals(original)).toBe(true);
    }
    // The noise really went past a full table: more than 4096 codes of 12 bits.
    expect(lzwEncode(random).length).toBeGreaterThan(300_000);
  });

  it('stops at the end-of-data code and ignores what follows', async () => {
    const encoded = Buffer.concat([lzwEncode(Buffer.from('hello')), Buffer.from([0xff, 0xff, 0xff])]);
    expect((await decode(encoded)).toString('latin1')).toBe('hello');
  });

  it('stops producing once past maxOutputBytes: a 1 MB bomb of 2.6 GB yields one sequence more than the bound', async () => {
    const maxOutputBytes = 4 * 1024 * 1024;
    const decoder = createLzwDecoder({ maxOutputBytes });
    let produced = 0;
    decoder.on('data', (piece: Buffer) => (produced += piece.length));
    const ended = new Promise((resolve) => decoder.on('end', resolve));
    decoder.end(makeLzwBombStream());
    await ended;
    // Without the bound this would be 2.6 GB; with it, at most one more run of the longest table entry (4096 bytes).
    expect(produced).toBeGreaterThan(maxOutputBytes);
    expect(produced).toBeLessThanOrEqual(maxOutputBytes + 4096);
  });
});
