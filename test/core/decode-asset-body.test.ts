import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeAssetBody, decodeBestMedia, selectBestMedia } from '../../src/core/decode-asset-body.ts';
import type { AssetMedia } from '../../src/core/asset-media.ts';
import { makeEncryptedLookingPdf, makeVectorPdf } from '../support/pdf-fixtures.ts';
import { makeLogoSvg, UNSAFE_SVGS } from '../support/svg-fixtures.ts';

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: '#ff000080' } }).png().toBuffer();
}

function entry(type: string, bytes: Buffer, size?: { width: string; height: string }) {
  return { type, data: bytes.toString('base64'), ...size };
}

async function failure(body: unknown, options?: Parameters<typeof decodeAssetBody>[1]) {
  try {
    await decodeAssetBody(body, options);
  } catch (error) {
    return error as { status: number; code: string };
  }
  throw new Error('expected decodeAssetBody to fail');
}

describe('decodeAssetBody', () => {
  it('decodes every entry with sniffed kind and natural size from the bytes', async () => {
    const pdf = await makeVectorPdf({ widthPt: 306, heightPt: 193 });
    const media = await decodeAssetBody({
      mediaContents: [
        entry('application/pdf', pdf, { width: '1536', height: '969' }),
        entry('image/png', await png(96, 60), { width: 'garbage', height: '' }),
        entry('image/svg+xml', makeLogoSvg(192, 192)),
      ],
    });
    expect(media.map(({ kind, width, height }) => ({ kind, width, height }))).toEqual([
      { kind: 'pdf', width: 306, height: 193 },
      { kind: 'png', width: 96, height: 60 },
      { kind: 'svg', width: 192, height: 192 },
    ]);
    expect(media[0]!.bytes.equals(pdf)).toBe(true);
  });

  it('trusts the bytes over the declared type (including the spec\'s "applicatoin/pdf")', async () => {
    const pdf = await makeVectorPdf({ widthPt: 50, heightPt: 40 });
    const [fromTypo] = await decodeAssetBody({ mediaContents: [entry('applicatoin/pdf', pdf)] });
    expect(fromTypo).toMatchObject({ kind: 'pdf', width: 50, height: 40 });
    const [mislabelled] = await decodeAssetBody({ mediaContents: [entry('application/pdf', await png(5, 7))] });
    expect(mislabelled).toMatchObject({ kind: 'png', width: 5, height: 7 });
  });

  it('reads PDF page sizes with the page-size reader it is given', async () => {
    const pdf = await makeVectorPdf({ widthPt: 50, heightPt: 40 });
    const asked: number[] = [];
    const [media] = await decodeAssetBody(
      { mediaContents: [entry('application/pdf', pdf)] },
      { readPdfPageSize: async (bytes) => (asked.push(bytes.length), { width: 7, height: 3 }) },
    );
    expect(media).toMatchObject({ kind: 'pdf', width: 7, height: 3 });
    expect(asked).toEqual([pdf.length]);
  });

  it('accepts base64 with line breaks and whitespace', async () => {
    const wrapped = (await png(3, 3)).toString('base64').replace(/(.{16})/g, '$1\r\n ');
    const [media] = await decodeAssetBody({ mediaContents: [{ type: 'image/png', data: wrapped }] });
    expect(media).toMatchObject({ kind: 'png', width: 3, height: 3 });
  });

  it('skips unusable entries when another one is usable', async () => {
    const media = await decodeAssetBody({
      mediaContents: [
        { type: 'image/png', data: '!!!' },
        entry('image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])),
        entry('image/svg+xml', Buffer.from(UNSAFE_SVGS.script!)),
        entry('image/png', await png(4, 4)),
      ],
    });
    expect(media).toHaveLength(1);
    expect(media[0]!.kind).toBe('png');
  });

  it.each([
    ['a non-object body', 'hello', 'ASSET_BODY_INVALID'],
    ['a body without mediaContents', { foo: 1 }, 'ASSET_BODY_INVALID'],
    ['an entry without data', { mediaContents: [{ type: 'image/png' }] }, 'ASSET_BODY_INVALID'],
    ['no entries', { mediaContents: [] }, 'ASSET_EMPTY'],
    ['empty data', { mediaContents: [{ type: 'image/png', data: '' }] }, 'ASSET_EMPTY'],
    ['base64 with foreign characters', { mediaContents: [{ type: 'image/png', data: 'iVBO*w0K' }] }, 'ASSET_BASE64_INVALID'],
    ['base64 with wrong padding', { mediaContents: [{ type: 'image/png', data: 'iVBORw0KG=' }] }, 'ASSET_BASE64_INVALID'],
    ['base64url', { mediaContents: [{ type: 'image/png', data: 'iVBO_w0K' }] }, 'ASSET_BASE64_INVALID'],
    ['padding in the middle', { mediaContents: [{ type: 'image/png', data: 'iV==Rw0K' }] }, 'ASSET_BASE64_INVALID'],
    ['an unknown format', { mediaContents: [{ type: 'image/gif', data: Buffer.from('GIF89a....').toString('base64') }] }, 'ASSET_FORMAT_UNSUPPORTED'],
  ])('refuses %s with 502 %s', async (_name, body, code) => {
    expect(await failure(body)).toMatchObject({ status: 502, code });
  });

  it('refuses an entry over the size limit before decoding it', async () => {
    const data = Buffer.alloc(2000).toString('base64');
    expect(await failure({ mediaContents: [{ type: 'image/png', data }] }, { maxEntryBytes: 1000 })).toMatchObject({
      code: 'ASSET_TOO_LARGE',
    });
  });

  it('passes the format-specific error on when no entry is usable', async () => {
    expect(await failure({ mediaContents: [entry('application/pdf', makeEncryptedLookingPdf())] })).toMatchObject({
      status: 502,
      code: 'PDF_ENCRYPTED',
    });
    const header = (await png(1, 1)).subarray(0, 33);
    header.writeUInt32BE(100_000, 16);
    header.writeUInt32BE(100_000, 20);
    expect(await failure({ mediaContents: [entry('image/png', header)] })).toMatchObject({ code: 'PNG_TOO_LARGE' });
  });
});

describe('selectBestMedia', () => {
  const media = (kind: AssetMedia['kind'], width: number, height: number): AssetMedia => ({ kind, width, height, bytes: Buffer.alloc(0) });

  it('prefers a vector, PDF before SVG', () => {
    expect(selectBestMedia([media('png', 2000, 2000), media('svg', 10, 10), media('pdf', 10, 10)]).kind).toBe('pdf');
    expect(selectBestMedia([media('png', 2000, 2000), media('svg', 10, 10)]).kind).toBe('svg');
  });

  it('otherwise takes the PNG with the most pixels', () => {
    const largest = media('png', 512, 512);
    expect(selectBestMedia([media('png', 100, 100), largest, media('png', 300, 300)])).toBe(largest);
  });

  it('refuses an empty list', () => {
    expect(() => selectBestMedia([])).toThrow(expect.objectContaining({ code: 'ASSET_EMPTY' }));
  });
});

describe('decodeBestMedia', () => {
  it('decodes and selects', async () => {
    const best = await decodeBestMedia({
      mediaContents: [entry('image/png', await png(48, 48)), entry('image/png', await png(192, 192)), entry('image/png', await png(96, 96))],
    });
    expect(best).toMatchObject({ kind: 'png', width: 192, height: 192 });
  });
});
