/**
 * Small ICC v2 display profiles written in the test run (no profile file is shipped or downloaded): an RGB
 * matrix/TRC profile with Adobe RGB (1998)'s D50-adapted colorants and gamma 563/256, and a gray gamma-2.2 profile.
 * Layout per ICC.1:2001-04: a 128-byte header, a tag table, then the tags (each 4-byte aligned).
 */

/** Adobe RGB (1998) colorants adapted to D50, as in Adobe's own profile. */
const ADOBE_RGB = {
  red: [0.60974, 0.31111, 0.01947],
  green: [0.20528, 0.62567, 0.06087],
  blue: [0.14919, 0.06322, 0.74457],
  /** 2.19921875 = 563 / 256, Adobe RGB's u8Fixed8 gamma. */
  gamma: 563 / 256,
} as const;
const D50 = [0.9642, 1.0, 0.8249] as const;

function s15Fixed16(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(Math.round(value * 65536));
  return bytes;
}

function xyzTag(xyz: readonly number[]): Buffer {
  return Buffer.concat([Buffer.from('XYZ \0\0\0\0', 'latin1'), ...xyz.map(s15Fixed16)]);
}

function gammaCurveTag(gamma: number): Buffer {
  const bytes = Buffer.alloc(14);
  bytes.write('curv', 0, 'latin1');
  bytes.writeUInt32BE(1, 8);
  bytes.writeUInt16BE(Math.round(gamma * 256), 12);
  return bytes;
}

function textDescriptionTag(text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, 'latin1');
  const head = Buffer.alloc(12);
  head.write('desc', 0, 'latin1');
  head.writeUInt32BE(ascii.length, 8);
  // Unicode language + count (8 bytes), ScriptCode code + count (3 bytes) and its 67-byte field: all empty.
  return Buffer.concat([head, ascii, Buffer.alloc(8 + 3 + 67)]);
}

function textTag(text: string): Buffer {
  return Buffer.concat([Buffer.from('text\0\0\0\0', 'latin1'), Buffer.from(`${text}\0`, 'latin1')]);
}

function profile(colourSpace: 'RGB ' | 'GRAY', tags: Array<[string, Buffer]>): Buffer {
  const pad = (bytes: Buffer) => Buffer.concat([bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
  const tableSize = 4 + tags.length * 12;
  let offset = 128 + tableSize;
  const table = Buffer.alloc(tableSize);
  table.writeUInt32BE(tags.length, 0);
  const bodies: Buffer[] = [];
  tags.forEach(([signature, body], index) => {
    table.write(signature, 4 + index * 12, 'latin1');
    table.writeUInt32BE(offset, 8 + index * 12);
    table.writeUInt32BE(body.length, 12 + index * 12);
    const padded = pad(body);
    bodies.push(padded);
    offset += padded.length;
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8); // version 2.1
  header.write('mntr', 12, 'latin1');
  header.write(colourSpace, 16, 'latin1');
  header.write('XYZ ', 20, 'latin1');
  header.writeUInt16BE(2026, 24);
  header.writeUInt16BE(1, 26);
  header.writeUInt16BE(1, 28);
  header.write('acsp', 36, 'latin1');
  D50.forEach((value, i) => s15Fixed16(value).copy(header, 68 + i * 4));
  return Buffer.concat([header, table, ...bodies]);
}

/** An Adobe RGB (1998)-compatible profile (matrix/TRC). */
export function adobeRgbProfile(): Buffer {
  const curve = gammaCurveTag(ADOBE_RGB.gamma);
  return profile('RGB ', [
    ['desc', textDescriptionTag('Adobe RGB (1998) compatible, test fixture')],
    ['cprt', textTag('No copyright, test fixture')],
    ['wtpt', xyzTag(D50)],
    ['rXYZ', xyzTag(ADOBE_RGB.red)],
    ['gXYZ', xyzTag(ADOBE_RGB.green)],
    ['bXYZ', xyzTag(ADOBE_RGB.blue)],
    ['rTRC', curve],
    ['gTRC', curve],
    ['bTRC', curve],
  ]);
}

/** A gray profile with a gamma 2.2 tone curve. */
export function grayGamma22Profile(): Buffer {
  return profile('GRAY', [
    ['desc', textDescriptionTag('Gray gamma 2.2, test fixture')],
    ['cprt', textTag('No copyright, test fixture')],
    ['wtpt', xyzTag(D50)],
    ['kTRC', gammaCurveTag(2.2)],
  ]);
}
