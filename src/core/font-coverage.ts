/** The shipped card text font and which characters it has glyphs for (read from its TrueType cmap). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CARD_FONT_FILE = fileURLToPath(new URL('./fonts/LiberationSans-Regular.ttf', import.meta.url));

let covered: Set<number> | undefined;

/** Characters of `text` the shipped font has no glyph for (a canvas would take them from some system font). */
export function charactersMissingFromFont(text: string): string[] {
  covered ??= readCmapCodePoints(readFileSync(CARD_FONT_FILE));
  const codePoints = covered;
  return [...new Set([...text].filter((char) => !codePoints.has(char.codePointAt(0)!)))];
}

/** Code points mapped to a real glyph by the Windows Unicode cmap subtable (format 12, else format 4). */
export function readCmapCodePoints(font: Buffer): Set<number> {
  const numTables = font.readUInt16BE(4);
  let cmap = -1;
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16;
    if (font.toString('latin1', record, record + 4) === 'cmap') cmap = font.readUInt32BE(record + 8);
  }
  if (cmap < 0) throw new Error('font has no cmap table');
  const subtables = new Map<string, number>();
  const count = font.readUInt16BE(cmap + 2);
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + i * 8;
    subtables.set(`${font.readUInt16BE(record)}/${font.readUInt16BE(record + 2)}`, cmap + font.readUInt32BE(record + 4));
  }
  const full = subtables.get('3/10');
  if (full !== undefined && font.readUInt16BE(full) === 12) return readFormat12(font, full);
  const bmp = subtables.get('3/1') ?? subtables.get('0/3');
  if (bmp !== undefined && font.readUInt16BE(bmp) === 4) return readFormat4(font, bmp);
  throw new Error('font has no Unicode cmap subtable of format 4 or 12');
}

function readFormat12(font: Buffer, at: number): Set<number> {
  const codePoints = new Set<number>();
  const groups = font.readUInt32BE(at + 12);
  for (let i = 0; i < groups; i++) {
    const group = at + 16 + i * 12;
    const [start, end, glyph] = [font.readUInt32BE(group), font.readUInt32BE(group + 4), font.readUInt32BE(group + 8)];
    for (let c = start; c <= end; c++) if (glyph + (c - start) !== 0) codePoints.add(c);
  }
  return codePoints;
}

function readFormat4(font: Buffer, at: number): Set<number> {
  const codePoints = new Set<number>();
  const segments = font.readUInt16BE(at + 6) / 2;
  const endCodes = at + 14;
  const startCodes = endCodes + segments * 2 + 2;
  const idDeltas = startCodes + segments * 2;
  const idRangeOffsets = idDeltas + segments * 2;
  for (let s = 0; s < segments; s++) {
    const end = font.readUInt16BE(endCodes + s * 2);
    const start = font.readUInt16BE(startCodes + s * 2);
    const delta = font.readInt16BE(idDeltas + s * 2);
    const rangeOffsetAt = idRangeOffsets + s * 2;
    const rangeOffset = font.readUInt16BE(rangeOffsetAt);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (rangeOffset === 0) {
        glyph = (c + delta) & 0xffff;
      } else {
        glyph = font.readUInt16BE(rangeOffsetAt + rangeOffset + 2 * (c - start));
        if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
      }
      if (glyph !== 0) codePoints.add(c);
    }
  }
  return codePoints;
}
