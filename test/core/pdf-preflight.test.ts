import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { GLYPH_SEGMENTS } from '../../src/core/pdf-draw-cost.ts';
import { MAX_PDF_INFLATED_CONTENT_BYTES, MAX_PDF_PAINTED_IMAGE_PIXELS, MAX_PDF_PATH_SEGMENTS, preflightPdf } from '../../src/core/pdf-preflight.ts';
import { rasterizePdf } from '../../src/core/rasterize-pdf.ts';
import {
  makeInflateBombPdf,
  makeLzwBombPdf,
  makeLzwContentPdf,
  makeLzwOverFlateBombPdf,
  makeOperatorFloodPdf,
  makeRepeatedImagePdf,
  onePage,
  streamObject,
} from '../support/hostile-pdf-fixtures.ts';
import { encodeAscii85, encodeRunLength } from '../support/pdf-encodings.ts';
import { makeEncryptedLookingPdf } from '../support/pdf-fixtures.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function refusal(pdf: Buffer): Promise<{ code?: string; message?: string } | undefined> {
  try {
    await preflightPdf(pdf);
    return undefined;
  } catch (error) {
    return error as { code?: string; message?: string };
  }
}

describe('PDF preflight: decoded stream sizes', () => {
  const content = '0 0 1 rg 0 0 300 189 re f\n';

  it('counts an LZW content stream at its decoded size, and pdf.js draws it (the decoder reads LZW as pdf.js does)', async () => {
    const pdf = makeLzwContentPdf(content.repeat(50));
    expect((await preflightPdf(pdf)).contentBytes).toBe(content.length * 50);
    const image = await rasterizePdf(pdf, { width: 30, height: 19 });
    expect([...image.data.subarray(0, 4)]).toEqual([0, 0, 255, 255]);
  });

  it('refuses a 1 MB LZW stream that decodes to 2.6 GB, quickly', async () => {
    const bomb = makeLzwBombPdf();
    // CPU time, not wall time: what this process spent, however long other work on the machine made it wait.
    const before = process.cpuUsage();
    const error = await refusal(bomb);
    const spent = process.cpuUsage(before);
    expect(error?.code).toBe('PDF_TOO_COMPLEX');
    expect(error?.message).toContain(`decodes to more than ${MAX_PDF_INFLATED_CONTENT_BYTES} bytes`);
    // Decoding stops at the cap (32 MB, a fraction of a second); the whole 2.6 GB would take many seconds.
    expect((spent.user + spent.system) / 1000).toBeLessThan(1500);
  });

  it('refuses a Flate bomb behind LZW ([/LZWDecode /FlateDecode]), as it refuses one alone', async () => {
    expect((await refusal(await makeLzwOverFlateBombPdf()))?.code).toBe('PDF_TOO_COMPLEX');
    expect((await refusal(await makeInflateBombPdf()))?.code).toBe('PDF_TOO_COMPLEX');
  });
});

/** A 100×100 image (10,000 pixels) as object 5, for the drawing-cost cases below. */
const IMAGE_100 = streamObject('/Type /XObject /Subtype /Image /Width 100 /Height 100 /ColorSpace /DeviceGray /BitsPerComponent 8', Buffer.alloc(10_000, 0x80));
const plain = (content: string) => Buffer.from(content, 'latin1');

async function cost(pdf: Buffer): Promise<{ paintedImagePixels?: number; pathSegments?: number }> {
  const { paintedImagePixels, pathSegments } = await preflightPdf(pdf);
  return { paintedImagePixels, pathSegments };
}

describe('PDF preflight: what drawing page 1 costs', () => {
  it('refuses one image drawn 60,000 times (a 15 KB file) before anything is drawn', async () => {
    const pdf = makeRepeatedImagePdf();
    const started = performance.now();
    const error = await refusal(pdf);
    console.log(`60,000 draws of a 1900x1900 image (${pdf.length} bytes): refused in ${Math.round(performance.now() - started)} ms`);
    expect(pdf.length).toBeLessThan(20_000);
    expect(error).toMatchObject({ code: 'PDF_TOO_COMPLEX', message: `PDF page 1 paints ${60_000 * 1900 * 1900} image pixels; the limit is ${MAX_PDF_PAINTED_IMAGE_PIXELS}` });
  });

  it('lets the same image drawn 26 times through (just under the bound)', async () => {
    expect(await cost(makeRepeatedImagePdf(26))).toEqual({ paintedImagePixels: 26 * 1900 * 1900, pathSegments: 0 });
    expect(26 * 1900 * 1900).toBeLessThan(MAX_PDF_PAINTED_IMAGE_PIXELS);
  });

  it('counts an image drawn by a form once per draw of the form, and the form’s paths with it', async () => {
    const form = streamObject('/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Im0 5 0 R >> >>', plain(`${'/Im0 Do\n'.repeat(50)}0 0 1 1 re f`));
    const pdf = onePage(plain('q /Fm0 Do Q\n'.repeat(30)), '', '/XObject << /Fm0 6 0 R >>', [IMAGE_100, form]);
    expect(await cost(pdf)).toEqual({ paintedImagePixels: 30 * 50 * 10_000, pathSegments: 30 * 4 });
  });

  it('counts a tiling pattern’s cell once per fill painted with it', async () => {
    const pattern = streamObject(
      '/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 10 10] /XStep 10 /YStep 10 /Resources << /XObject << /Im0 5 0 R >> >>',
      plain('/Im0 Do'),
    );
    const pdf = onePage(plain(`/Pattern cs /P0 scn\n${'0 0 10 10 re f\n'.repeat(40)}0 g 0 0 1 1 re f`), '', '/Pattern << /P0 6 0 R >>', [IMAGE_100, pattern]);
    expect(await cost(pdf)).toEqual({ paintedImagePixels: 40 * 10_000, pathSegments: 41 * 4 });
  });

  it('counts a Type 3 glyph procedure once per glyph shown, and other glyphs as outlines', async () => {
    const type3 = `<< /Type /Font /Subtype /Type3 /FontBBox [0 0 10 10] /FontMatrix [0.1 0 0 0.1 0 0] /CharProcs << /a 7 0 R >>
      /Encoding << /Type /Encoding /Differences [97 /a] >> /FirstChar 97 /LastChar 97 /Widths [10] /Resources << /XObject << /Im0 5 0 R >> >> >>`;
    const glyph = streamObject('', plain('10 0 d0 /Im0 Do'));
    const helvetica = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
    const pdf = onePage(plain('BT /T3 10 Tf (aaaaaaaaaa) Tj /F1 10 Tf (abc) Tj ET'), '', '/Font << /T3 6 0 R /F1 8 0 R >>', [IMAGE_100, type3, glyph, helvetica]);
    expect(await cost(pdf)).toEqual({ paintedImagePixels: 10 * 10_000, pathSegments: 3 * GLYPH_SEGMENTS });
  });

  it('counts a name no dictionary binds as the costliest object of its kind, and ends cycles', async () => {
    const large = streamObject('/Type /XObject /Subtype /Image /Width 200 /Height 200 /ColorSpace /DeviceGray /BitsPerComponent 8', Buffer.alloc(40_000));
    const selfDrawing = streamObject('/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /Fm0 7 0 R >> >>', plain('/Fm0 Do 0 0 m 1 1 l'));
    const pdf = onePage(plain('/Nowhere Do /Nowhere Do /Nowhere Do'), '', '/XObject << /Im0 5 0 R /Im1 6 0 R /Fm0 7 0 R >>', [IMAGE_100, large, selfDrawing]);
    expect(await cost(pdf)).toEqual({ paintedImagePixels: 3 * 40_000, pathSegments: 3 * 2 });
  });

  it('refuses forms that multiply path segments past the bound (2000 rectangles drawn 600 times)', async () => {
    expect(await refusal(makeOperatorFloodPdf())).toMatchObject({
      code: 'PDF_TOO_COMPLEX',
      message: `PDF page 1 builds ${2000 * 600 * 4} path segments; the limit is ${MAX_PDF_PATH_SEGMENTS}`,
    });
  });

  it('reads content behind ASCII85, ASCIIHex and RunLength, so a wrapper hides nothing; refuses a predictor it cannot read', async () => {
    const content = plain('q /Im0 Do Q\n'.repeat(7));
    const wrapped = [
      ['/Filter [/ASCII85Decode /FlateDecode]', encodeAscii85(deflateSync(content))],
      ['/Filter /AHx', Buffer.from(content.toString('hex'))],
      ['/Filter [/RL]', encodeRunLength(content)],
    ] as const;
    for (const [filter, data] of wrapped) {
      expect(await cost(onePage(data, filter, '/XObject << /Im0 5 0 R >>', [IMAGE_100]))).toEqual({ paintedImagePixels: 7 * 10_000, pathSegments: 0 });
    }
    const predicted = onePage(deflateSync(content), '/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4 >>', '/XObject << /Im0 5 0 R >>', [IMAGE_100]);
    expect((await refusal(predicted))?.message).toMatch(/^PDF drawing cannot be bounded: content stream 4 uses a filter or predictor/);
  });

  it('refuses page content hidden behind a dictionary too large to look into', async () => {
    const padded = onePage(plain('q /Im0 Do Q\n'.repeat(60_000)), `/Padding (${'x'.repeat(70_000)})`, '/XObject << /Im0 5 0 R >>', [IMAGE_100]);
    expect((await refusal(padded))?.message).toBe('PDF drawing cannot be bounded: object 4 is larger than 65536 characters before its data');
  });

  it('finds resources packed in object streams (what most writers produce)', async () => {
    const doc = await PDFDocument.create();
    const image = await doc.embedPng(await sharp({ create: { width: 64, height: 32, channels: 4, background: '#336699' } }).png().toBuffer());
    const page = doc.addPage([300, 189]);
    for (let i = 0; i < 20; i++) page.drawImage(image, { x: i * 10, y: 0, width: 64, height: 32 });
    const pdf = Buffer.from(await doc.save({ useObjectStreams: true }));
    expect(pdf.toString('latin1')).toContain('/ObjStm');
    expect((await cost(pdf)).paintedImagePixels).toBe(20 * 64 * 32);
  });

  it('leaves an encrypted document’s drawing to the time limit (its streams cannot be read here)', async () => {
    expect(await cost(makeEncryptedLookingPdf())).toEqual({ paintedImagePixels: undefined, pathSegments: undefined });
  });

  it('passes every bundled sample and golden fixture PDF, far below both bounds', async () => {
    const folders = [path.join(REPO_ROOT, 'src/simulator/samples'), path.join(REPO_ROOT, 'test/fixtures/golden-assets')];
    const files = (await Promise.all(folders.map(async (dir) => (await readdir(dir)).filter((name) => name.endsWith('.pdf')).map((name) => path.join(dir, name))))).flat();
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) {
      const found = await cost(await readFile(file));
      expect(found.paintedImagePixels! * 100, file).toBeLessThan(MAX_PDF_PAINTED_IMAGE_PIXELS);
      expect(found.pathSegments! * 100, file).toBeLessThan(MAX_PDF_PATH_SEGMENTS);
    }
  });
});
