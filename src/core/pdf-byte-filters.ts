/**
 * The three PDF stream filters besides Flate and LZW that a content stream may use (ISO 32000-1 §7.4.2, 7.4.3,
 * 7.4.5): ASCIIHexDecode, ASCII85Decode and RunLengthDecode, decoded as pdf.js decodes them (a malformed tail ends
 * the data). Only the preflight uses them, to read content streams it counts; each stops past `maxOutputBytes`
 * (RunLength can grow 128-fold) and then returns undefined.
 */

const WHITE = new Set([0, 9, 10, 12, 13, 32]);

export function decodeAsciiHex(data: Uint8Array, maxOutputBytes: number): Buffer | undefined {
  const out = Buffer.allocUnsafe(Math.min(maxOutputBytes + 1, Math.ceil(data.length / 2)));
  let length = 0;
  let high = -1;
  for (const c of data) {
    if (c === 62 /* > */) break;
    const digit = hexValue(c);
    if (digit < 0) continue;
    if (high < 0) {
      high = digit;
      continue;
    }
    if (length >= maxOutputBytes) return undefined;
    out[length++] = (high << 4) | digit;
    high = -1;
  }
  // An odd last digit is followed by an implied 0.
  if (high >= 0) {
    if (length >= maxOutputBytes) return undefined;
    out[length++] = high << 4;
  }
  return out.subarray(0, length);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

export function decodeAscii85(data: Uint8Array, maxOutputBytes: number): Buffer | undefined {
  const chunks: Buffer[] = [];
  const group: number[] = [];
  let length = 0;
  const flush = (digits: number[]) => {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 85 + (digits[i] ?? 84);
    const bytes = Buffer.from([(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
    chunks.push(bytes.subarray(0, digits.length - 1));
    length += digits.length - 1;
  };
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    if (c === 126 /* ~ */) break;
    if (WHITE.has(c)) continue;
    if (c === 122 /* z */ && group.length === 0) {
      chunks.push(Buffer.alloc(4));
      length += 4;
    } else if (c >= 33 && c <= 117) {
      group.push(c - 33);
      if (group.length === 5) {
        flush(group);
        group.length = 0;
      }
    } else {
      break;
    }
    if (length > maxOutputBytes) return undefined;
  }
  if (group.length > 1) flush(group);
  if (length > maxOutputBytes) return undefined;
  return Buffer.concat(chunks, length);
}

export function decodeRunLength(data: Uint8Array, maxOutputBytes: number): Buffer | undefined {
  const chunks: Buffer[] = [];
  let length = 0;
  let at = 0;
  while (at < data.length) {
    const run = data[at++]!;
    if (run === 128) break;
    const chunk =
      run < 128 ? Buffer.from(data.subarray(at, Math.min(data.length, at + run + 1))) : Buffer.alloc(257 - run, data[at] ?? 0);
    at += run < 128 ? run + 1 : 1;
    length += chunk.length;
    if (length > maxOutputBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}
