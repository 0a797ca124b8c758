import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rasterizeSvg } from '../../src/core/rasterize-svg.ts';
import { transcodeDataImages } from '../../src/core/svg-data-images.ts';

const RED = { r: 255, g: 0, b: 0 };
const bitmap = (format: 'gif' | 'webp' | 'png', side = 4) =>
  sharp({ create: { width: side, height: side, channels: 3, background: RED } })[format]({ ...(format === 'webp' ? { lossless: true } : {}) }).toBuffer();
/** A 40×40 SVG whose left half is the embedded bitmap. */
const svgWith = (mime: string, bytes: Buffer, attribute = 'href') =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="40">` +
      `<image ${attribute}="data:${mime};base64,${bytes.toString('base64')}" width="20" height="40" preserveAspectRatio="none"/></svg>`,
  );
const pixel = async (svg: Buffer, x: number, y: number) => {
  const image = await rasterizeSvg(svg, { width: 40, height: 40 });
  return [...image.data.subarray((y * 40 + x) * 4, (y * 40 + x) * 4 + 4)];
};

describe('embedded GIF and WebP bitmaps', () => {
  it('are drawn like the same bitmap as PNG (librsvg in sharp alone draws nothing for them)', async () => {
    expect(await pixel(svgWith('image/png', await bitmap('png')), 10, 20)).toEqual([255, 0, 0, 255]);
    expect(await pixel(svgWith('image/gif', await bitmap('gif')), 10, 20)).toEqual([255, 0, 0, 255]);
    expect(await pixel(svgWith('image/webp', await bitmap('webp'), 'xlink:href'), 10, 20)).toEqual([255, 0, 0, 255]);
    // The control: the untranscoded GIF through sharp directly is transparent.
    const { data } = await sharp(svgWith('image/gif', await bitmap('gif'))).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(data[(20 * 40 + 10) * 4 + 3]).toBe(0);
  });

  it('re-encodes only GIF and WebP data images and leaves the rest of the document as it was', async () => {
    const png = await bitmap('png');
    const gif = await bitmap('gif');
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/png;base64,${png.toString('base64')}"></image>` +
        `<image href="data:image/gif;base64,${gif.toString('base64')}"></image><text>data:image/gif;base64,AAAA</text></svg>`,
    );
    const out = (await transcodeDataImages(svg)).toString('utf8');
    expect(out).toContain(`href="data:image/png;base64,${png.toString('base64')}"`);
    expect(out).not.toContain('href="data:image/gif');
    expect(out.match(/href="data:image\/png;base64,/g)).toHaveLength(2);
    expect(out).toContain('<text>data:image/gif;base64,AAAA</text>');
    const unchanged = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"></rect></svg>');
    expect(await transcodeDataImages(unchanged)).toBe(unchanged);
  });

  it('hostile: an SVG or a PNG posing as GIF is never handed to sharp, a broken GIF is left alone, and none stops the render', async () => {
    const innerSvg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><image href="file:///etc/passwd" width="4" height="4"/></svg>');
    const posingSvg = svgWith('image/gif', innerSvg);
    expect((await transcodeDataImages(posingSvg)).equals(posingSvg)).toBe(true);
    expect(await pixel(posingSvg, 10, 20)).toEqual([0, 0, 0, 0]);
    const posingPng = svgWith('image/gif', await bitmap('png'));
    expect((await transcodeDataImages(posingPng)).equals(posingPng)).toBe(true);
    const broken = svgWith('image/gif', Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(40, 0xff)]));
    expect((await transcodeDataImages(broken)).equals(broken)).toBe(true);
    expect(await pixel(broken, 30, 20)).toEqual([0, 0, 0, 0]);
  });

  it('hostile: bitmaps holding more pixels together than the bound are refused from their headers (SVG_TOO_COMPLEX)', async () => {
    const gif = (await bitmap('gif', 8)).toString('base64');
    const two = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/gif;base64,${gif}"></image><image href="data:image/gif;base64,${gif}"></image></svg>`);
    await expect(transcodeDataImages(two, 127)).rejects.toMatchObject({ status: 502, code: 'SVG_TOO_COMPLEX' });
    await expect(transcodeDataImages(two, 128)).resolves.toBeInstanceOf(Buffer);
    // A 1×1 GIF whose image descriptor claims 65535 × 65535 (4.3 G pixels) is refused before a pixel is decoded.
    const bomb = Buffer.from('474946383961010001008000004c6971ff000021f90405000000002c00000000ffffffff0002024c01003b', 'hex');
    await expect(transcodeDataImages(svgWith('image/gif', bomb))).rejects.toMatchObject({ code: 'SVG_TOO_COMPLEX' });
  });
});
