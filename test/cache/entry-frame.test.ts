import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEntryFrame, encodeEntryFrame, readFrameKey } from '../../src/cache/entry-frame.ts';
import { ALL_BYTE_VALUES } from './cache-store-contract.ts';

const entry = { bytes: ALL_BYTE_VALUES, meta: { kind: 'png', contentType: 'image/png' } };

/** A frame as written before CRC-32 trailers: "CAF1" … sha256 of everything before it. */
function legacyFrame(key: string): Buffer {
  const header = Buffer.from(JSON.stringify({ key, meta: entry.meta, size: entry.bytes.length }), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.write('CAF1', 0, 'latin1');
  prefix.writeUInt32BE(header.length, 4);
  const body = Buffer.concat([prefix, header, entry.bytes]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

describe('entry frame', () => {
  it('round-trips bytes and meta under its key, and nothing under another key', () => {
    const frame = encodeEntryFrame('asset:a', entry);
    expect(frame.subarray(0, 4).toString('latin1')).toBe('CAF2');
    expect(decodeEntryFrame('asset:a', frame)).toEqual(entry);
    expect(decodeEntryFrame('asset:b', frame)).toBeUndefined();
    expect(readFrameKey(frame)).toBe('asset:a');
  });

  it('detects a flipped bit anywhere (header, bytes or trailer) and a truncation', () => {
    const frame = encodeEntryFrame('asset:a', entry);
    for (const at of [6, 12, 20 + 100, frame.length - 1]) {
      const damaged = Buffer.from(frame);
      damaged[at]! ^= 0x01;
      expect(decodeEntryFrame('asset:a', damaged), `bit at ${at}`).toBeUndefined();
    }
    expect(decodeEntryFrame('asset:a', frame.subarray(0, frame.length - 1))).toBeUndefined();
    expect(decodeEntryFrame('asset:a', frame.subarray(0, 6))).toBeUndefined();
  });

  it('still reads frames written with a sha256 trailer, and detects their damage', () => {
    const frame = legacyFrame('asset:old');
    expect(decodeEntryFrame('asset:old', frame)).toEqual(entry);
    expect(readFrameKey(frame)).toBe('asset:old');
    const damaged = Buffer.from(frame);
    damaged[40]! ^= 0x80;
    expect(decodeEntryFrame('asset:old', damaged)).toBeUndefined();
  });
});
