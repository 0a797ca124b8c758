/**
 * Hostile PDFs, generated in the test run (no committed blobs): each stays inside every documented input limit
 * (a few hundred KB to ~1 MB) and would make a naive renderer allocate gigabytes.
 */
import { constants, createDeflateRaw, deflateSync } from 'node:zlib';
import { handWrittenPdf } from './pdf-fixtures.ts';

const ADLER_BASE = 65521;

function adler32(data: Buffer, start = 1): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  for (let i = 0; i < data.length; ) {
    // 3800 bytes at a time keep the sums far from overflowing a double before the modulo.
    const end = Math.min(data.length, i + 3800);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= ADLER_BASE;
    b %= ADLER_BASE;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib's adler32_combine: the checksum of X+Y from those of X and Y and Y's length. */
function adler32Combine(first: number, second: number, secondLength: number): number {
  const rem = secondLength % ADLER_BASE;
  let sum1 = first & 0xffff;
  let sum2 = (rem * sum1) % ADLER_BASE;
  sum1 += (second & 0xffff) + ADLER_BASE - 1;
  sum2 += ((first >>> 16) & 0xffff) + ((second >>> 16) & 0xffff) + ADLER_BASE - rem;
  if (sum1 >= ADLER_BASE) sum1 -= ADLER_BASE;
  if (sum1 >= ADLER_BASE) sum1 -= ADLER_BASE;
  if (sum2 >= ADLER_BASE * 2) sum2 -= ADLER_BASE * 2;
  if (sum2 >= ADLER_BASE) sum2 -= ADLER_BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}

/** Raw deflate of `data` ended by a full flush: self-contained blocks that can be repeated verbatim. */
function flushedBlocks(data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const deflate = createDeflateRaw({ level: 9, memLevel: 9 });
    const chunks: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
    deflate.on('error', reject);
    deflate.write(data);
    deflate.flush(constants.Z_FULL_FLUSH, () => {
      resolve(Buffer.concat(chunks));
      deflate.close();
    });
  });
}

/**
 * A zlib stream of `prefix` then `repeat` copies of `unit`, built without ever holding or compressing the inflated
 * bytes: one 8 MB block is compressed once (after a full flush its bytes do not depend on what came before) and
 * repeated, and the Adler-32 trailer is combined arithmetically. Fast enough to make gigabyte bombs per test run.
 */
async function deflateRepeated(unit: Buffer, repeat: number, prefix = Buffer.alloc(0)): Promise<Buffer> {
  const unitsPerBlock = Math.max(1, Math.floor((8 << 20) / unit.length));
  const block = Buffer.concat(Array.from({ length: Math.min(unitsPerBlock, repeat) }, () => unit));
  const fullBlocks = Math.floor(repeat / unitsPerBlock);
  const rest = Buffer.concat(Array.from({ length: repeat - fullBlocks * unitsPerBlock }, () => unit));
  const parts: Buffer[] = [Buffer.from([0x78, 0xda])];
  let checksum = adler32(prefix);
  if (prefix.length) parts.push(await flushedBlocks(prefix));
  if (fullBlocks > 0) {
    const compressed = await flushedBlocks(block);
    const blockSum = adler32(block);
    for (let i = 0; i < fullBlocks; i++) {
      parts.push(compressed);
      checksum = adler32Combine(checksum, blockSum, block.length);
    }
  }
  if (rest.length) {
    parts.push(await flushedBlocks(rest));
    checksum = adler32Combine(checksum, adler32(rest), rest.length);
  }
  // An empty final block (fixed Huffman: BFINAL=1, BTYPE=01, end-of-block), then the checksum.
  parts.push(Buffer.from([0x03, 0x00]));
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(checksum, 0);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** An `<< … /Length n >> stream … endstream` object body. */
export function streamObject(dictionary: string, data: Buffer): string {
  return `<< ${dictionary} /Length ${data.length} >>\nstream\n${data.toString('latin1')}\nendstream`;
}

/** A one-page PDF (300×189 pt): content stream object 4, `extraObjects` numbered from 5. */
export function onePage(content: Buffer, contentDictionary: string, resources = '', extraObjects: string[] = []): Buffer {
  return handWrittenPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 189] /Contents 4 0 R /Resources << ${resources} >> >>`,
    streamObject(contentDictionary, content),
    ...extraObjects,
  ]);
}

/** ~330 KB: a content stream of 160 M numbers (26.7 M curve operators), 373 MB once inflated. */
export async function makeNumberFloodPdf(numbers = 160_000_000): Promise<Buffer> {
  const unit = Buffer.from('1 1 1 1 1 1 c\n', 'latin1');
  const content = await deflateRepeated(unit, Math.ceil(numbers / 6), Buffer.from('0 0 m\n'));
  return onePage(content, '/Filter /FlateDecode');
}

/** ~840 KB: eight 6000×6000 RGB images (36 MP each, 108 MB each once inflated) drawn on one page. */
export async function makeHugeImagesPdf(count = 8, side = 6000): Promise<Buffer> {
  const data = await deflateRepeated(Buffer.alloc(side * 3, 0x80), side);
  const xobjects = Array.from({ length: count }, (_, i) => `/Im${i} ${5 + i} 0 R`).join(' ');
  const draws = Array.from({ length: count }, (_, i) => `q 300 0 0 189 0 0 cm /Im${i} Do Q`).join('\n');
  const images = Array.from({ length: count }, () =>
    streamObject(`/Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode`, data),
  );
  return onePage(Buffer.from(draws, 'latin1'), '', `/XObject << ${xobjects} >>`, images);
}

/** ~1 MB: a content stream that inflates to 1 GB of spaces. `filterName` can hide the filter (`/Fl#61teDecode`). */
export async function makeInflateBombPdf(inflatedBytes = 1024 * 1024 * 1024, filterName = '/FlateDecode'): Promise<Buffer> {
  const content = await deflateRepeated(Buffer.from(' '), inflatedBytes);
  return onePage(content, `/Filter ${filterName}`);
}

/** A few KB: Flate twice over (`[/FlateDecode /FlateDecode]`), 512 MB of spaces at the end. */
export async function makeDoubleFlateBombPdf(inflatedBytes = 512 * 1024 * 1024): Promise<Buffer> {
  const inner = await deflateRepeated(Buffer.from(' '), inflatedBytes);
  return onePage(deflateSync(inner, { level: 9 }), '/Filter [/FlateDecode /FlateDecode]');
}

/**
 * ~15 KB at the defaults: one `side`×`side` image drawn `draws` times over the whole page. 60,000 draws paint 217 G
 * image pixels (pdf.js copies and rescales the whole image on each draw); 26 draws, 94 M, stay just under the
 * preflight's bound and still take a second or more to draw.
 */
export function makeRepeatedImagePdf(draws = 60_000, side = 1900): Buffer {
  const image = deflateSync(Buffer.alloc(side * side * 3, 0x80), { level: 9 });
  const content = deflateSync(Buffer.from('q 300 0 0 189 0 0 cm /Im0 Do Q\n'.repeat(draws), 'latin1'), { level: 9 });
  return onePage(content, '/Filter /FlateDecode', '/XObject << /Im0 5 0 R >>', [
    streamObject(`/Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode`, image),
  ]);
}

/** A few KB: one literal string of `chars` bytes (under the content bound, drawing nothing), which pdf.js lexes char by char into the heap. */
export async function makeLongStringPdf(chars = 16_000_000): Promise<Buffer> {
  return onePage(await deflateRepeated(Buffer.from('A'), chars, Buffer.from('(')), '/Filter /FlateDecode');
}

/** Small file, 1.2 M operators: a form of 2000 rectangles drawn 600 times (each draw repeats its operators). */
export function makeOperatorFloodPdf(rects = 2000, draws = 600): Buffer {
  const form = Array.from({ length: rects }, (_, i) => `${i % 300} ${i % 189} 1 1 re f`).join('\n');
  const formData = deflateSync(Buffer.from(form, 'latin1'));
  const content = Buffer.from(Array.from({ length: draws }, () => 'q /F0 Do Q').join('\n'), 'latin1');
  return onePage(content, '', '/XObject << /F0 5 0 R >>', [
    streamObject('/Type /XObject /Subtype /Form /BBox [0 0 300 189] /Filter /FlateDecode', formData),
  ]);
}

/**
 * ~1 MB of LZW: 2.6 GB of spaces. Codes 258…4095 each extend the run by one byte; then code 4095 (3839 spaces)
 * repeats. `unscannedDictionaryChars` pads the stream's dictionary past what the preflight looks into (a stream
 * dictionary is never that large). `inFontProgram` puts the stream in the TrueType font program of the page's one
 * glyph instead of its content: the preflight refuses content it cannot read, but leaves font programs (never
 * drawn by themselves) to pdf.js, which decodes them whole, so the bomb reaches pdf.js and the process memory limit.
 */
export function makeLzwBombPdf(bytes = 1024 * 1024, options: { unscannedDictionaryChars?: number; inFontProgram?: boolean } = {}): Buffer {
  const padding = options.unscannedDictionaryChars ? ` /Padding (${'x'.repeat(options.unscannedDictionaryChars)})` : '';
  if (!options.inFontProgram) return onePage(makeLzwBombStream(bytes), `/Filter /LZWDecode${padding}`);
  return onePage(Buffer.from('BT /F1 24 Tf 10 10 Td (A) Tj ET'), '', '/Font << /F1 5 0 R >>', [
    '<< /Type /Font /Subtype /TrueType /BaseFont /Bomb /FirstChar 65 /LastChar 65 /Widths [600] /FontDescriptor 6 0 R >>',
    '<< /Type /FontDescriptor /FontName /Bomb /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 7 0 R >>',
    streamObject(`/Filter /LZWDecode${padding}`, makeLzwBombStream(bytes)),
  ]);
}

/** The bomb's LZW data alone (`bytes` long, about 2,600 times that once decoded). */
export function makeLzwBombStream(bytes = 1024 * 1024): Buffer {
  const codes: number[] = [0x20];
  for (let code = 258; code <= 4095; code++) codes.push(code);
  const repeats = Math.floor(((bytes - 6000) * 8) / 12);
  const writer = lzwCodeWriter();
  codes.forEach((code) => writer.write(code));
  for (let i = 0; i < repeats; i++) writer.write(4095);
  return writer.end();
}

/** A few KB: LZW over a Flate bomb (`[/LZWDecode /FlateDecode]`), 1 GB of spaces at the end. */
export async function makeLzwOverFlateBombPdf(inflatedBytes = 1024 * 1024 * 1024): Promise<Buffer> {
  const inner = await deflateRepeated(Buffer.from(' '), inflatedBytes);
  return onePage(lzwEncode(inner), '/Filter [/LZWDecode /FlateDecode]');
}

/** A page whose content stream is LZW-encoded (not hostile: what an old PDF writer makes). */
export function makeLzwContentPdf(content: string): Buffer {
  return onePage(lzwEncode(Buffer.from(content, 'latin1')), '/Filter /LZWDecode');
}

/**
 * Writes LZW codes as a PDF reader (EarlyChange 1) reads them: 9 bits first, one more each time the reader's
 * table reaches 511, 1023, 2047 entries (12 at most); `end()` writes the end-of-data code and pads the last byte.
 */
function lzwCodeWriter() {
  const out: number[] = [];
  let bitBuffer = 0;
  let bitCount = 0;
  let readerNextCode = 258;
  let codeLength = 9;
  let first = true;
  const put = (code: number) => {
    bitBuffer = (bitBuffer << codeLength) | code;
    bitCount += codeLength;
    while (bitCount >= 8) {
      bitCount -= 8;
      out.push((bitBuffer >>> bitCount) & 0xff);
    }
    bitBuffer &= (1 << bitCount) - 1;
  };
  return {
    write(code: number) {
      put(code);
      if (code === 256) {
        readerNextCode = 258;
        codeLength = 9;
        first = true;
        return;
      }
      // The reader adds a table entry for every code but the first after a clear.
      if (first) {
        first = false;
        return;
      }
      readerNextCode++;
      if (((readerNextCode + 1) & readerNextCode) === 0) codeLength = Math.min(Math.log2(readerNextCode + 1) + 1, 12);
    },
    end(): Buffer {
      put(257);
      if (bitCount > 0) out.push((bitBuffer << (8 - bitCount)) & 0xff);
      return Buffer.from(out);
    },
  };
}

/** Plain LZW compression of `data` (a clear code whenever the table is full), for fixtures and round trips. */
export function lzwEncode(data: Uint8Array): Buffer {
  const writer = lzwCodeWriter();
  let table = new Map<number, number>();
  let nextEntry = 258;
  let current = -1;
  for (const byte of data) {
    if (current < 0) {
      current = byte;
      continue;
    }
    const key = current * 256 + byte;
    const known = table.get(key);
    if (known !== undefined) {
      current = known;
      continue;
    }
    writer.write(current);
    if (nextEntry < 4094) {
      table.set(key, nextEntry++);
    } else {
      writer.write(256);
      table = new Map();
      nextEntry = 258;
    }
    current = byte;
  }
  if (current >= 0) writer.write(current);
  return writer.end();
}

/** Not hostile, only slow: `count` small filled squares (one operator each, under the operator bound), seconds to draw. */
export function makeSlowVectorPdf(count = 40_000): Buffer {
  const squares = Array.from({ length: count }, (_, i) => `${(i * 7) % 295} ${(i * 13) % 185} 4 4 re f`).join('\n');
  return onePage(deflateSync(Buffer.from(`0.2 0.4 0.6 rg\n${squares}`, 'latin1')), '/Filter /FlateDecode');
}

/** ~25 KB: 12 M save/restore operators (24 MB inflated, under the content bound), each cheap to parse and draw. */
export async function makeSaveRestoreFloodPdf(pairs = 6_000_000): Promise<Buffer> {
  return onePage(await deflateRepeated(Buffer.from('q Q\n', 'latin1'), pairs), '/Filter /FlateDecode');
}
