/**
 * PDF's LZWDecode as pdf.js reads it, as a stream: 9- to 12-bit codes, most significant bit first, 256 clears the
 * table, 257 ends the data, EarlyChange 1 unless the stream says 0. Only the preflight uses it, to count what an
 * LZW stream decodes to (1 MB of codes can decode to gigabytes) and to feed a Flate filter behind it.
 */
import { Transform } from 'node:stream';

const TABLE_SIZE = 4096;
const CLEAR_TABLE = 256;
const END_OF_DATA = 257;
const FIRST_FREE_CODE = 258;
const OUTPUT_CHUNK_BYTES = 64 * 1024;

/**
 * `maxOutputBytes`: the decoder stops once it has produced more than this (the preflight only needs to know that
 * a stream decodes past its budget; a 1 MB bomb would otherwise make gigabytes here first).
 */
export function createLzwDecoder(options: { earlyChange?: 0 | 1; maxOutputBytes?: number } = {}): Transform {
  const earlyChange = options.earlyChange ?? 1;
  const maxOutputBytes = options.maxOutputBytes ?? Number.POSITIVE_INFINITY;
  let produced = 0;
  const values = new Uint8Array(TABLE_SIZE);
  const lengths = new Uint16Array(TABLE_SIZE);
  const previousCodes = new Uint16Array(TABLE_SIZE);
  for (let code = 0; code < 256; code++) {
    values[code] = code;
    lengths[code] = 1;
  }
  // pdf.js keeps the current sequence in a 4096-byte array; a run of codes past the table lengthens it by one each
  // (bytes past the array read as 0), so its length is tracked apart from the bytes kept.
  const sequence = new Uint8Array(TABLE_SIZE);
  let sequenceLength = 0;
  let nextCode = FIRST_FREE_CODE;
  let codeLength = 9;
  let previousCode = 0;
  let bits = 0;
  let bitCount = 0;
  let ended = false;
  let output = Buffer.allocUnsafe(OUTPUT_CHUNK_BYTES);
  let used = 0;

  const emitSequence = (push: (chunk: Buffer) => void): void => {
    let left = sequenceLength;
    let from = 0;
    while (left > 0) {
      if (used === output.length) {
        push(output);
        output = Buffer.allocUnsafe(OUTPUT_CHUNK_BYTES);
        used = 0;
      }
      const take = Math.min(left, output.length - used);
      const kept = Math.max(0, Math.min(take, TABLE_SIZE - from));
      if (kept > 0) output.set(sequence.subarray(from, from + kept), used);
      if (take > kept) output.fill(0, used + kept, used + take);
      used += take;
      from += take;
      left -= take;
    }
    produced += sequenceLength;
    if (produced > maxOutputBytes) ended = true;
  };

  const decode = (code: number): void => {
    const hasPrevious = sequenceLength > 0;
    if (code < 256) {
      sequence[0] = code;
      sequenceLength = 1;
    } else if (code >= FIRST_FREE_CODE) {
      if (code < nextCode) {
        sequenceLength = lengths[code]!;
        for (let index = sequenceLength - 1, at = code; index >= 0; index--) {
          sequence[index] = values[at]!;
          at = previousCodes[at]!;
        }
      } else {
        if (sequenceLength < TABLE_SIZE) sequence[sequenceLength] = sequence[0]!;
        sequenceLength += 1;
      }
    }
    if (hasPrevious && nextCode < TABLE_SIZE) {
      previousCodes[nextCode] = previousCode;
      lengths[nextCode] = Math.min(0xffff, lengths[previousCode]! + 1);
      values[nextCode] = sequence[0]!;
    }
    if (hasPrevious) {
      nextCode += 1;
      const boundary = nextCode + earlyChange;
      if ((boundary & (boundary - 1)) === 0) codeLength = Math.min(Math.floor(Math.log2(boundary)) + 1, 12);
    }
    previousCode = code;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const push = (piece: Buffer) => this.push(piece);
      for (let index = 0; index < chunk.length && !ended && !this.destroyed; index++) {
        bits = ((bits << 8) | chunk[index]!) & 0xffffff;
        bitCount += 8;
        while (bitCount >= codeLength && !ended) {
          bitCount -= codeLength;
          const code = (bits >>> bitCount) & ((1 << codeLength) - 1);
          if (code === CLEAR_TABLE) {
            codeLength = 9;
            nextCode = FIRST_FREE_CODE;
            sequenceLength = 0;
          } else if (code === END_OF_DATA) {
            ended = true;
          } else {
            decode(code);
            emitSequence(push);
          }
        }
      }
      if (used > 0) {
        this.push(Buffer.from(output.subarray(0, used)));
        used = 0;
      }
      done();
    },
  });
}
