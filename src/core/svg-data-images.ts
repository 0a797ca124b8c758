/**
 * Embedded GIF and WebP bitmaps (`<image href="data:image/gif;base64,…">`) turned into PNG before librsvg sees
 * the SVG: of the four bitmap types the sanitizer lets through, the librsvg inside sharp decodes only PNG and JPEG,
 * so it drew nothing where browsers draw both (and Debian's librsvg, through gdk-pixbuf, the GIF). sharp decodes
 * them itself (an animated GIF's first frame).
 */
import sharp from 'sharp';
import { CardArtError } from '../errors.ts';
import { DEFAULT_MAX_INPUT_PIXELS } from './rasterize-png.ts';

/**
 * An `href` / `xlink:href` holding a GIF or WebP data URI, as the sanitizer writes it (the attribute in double
 * quotes, the value already checked to be base64).
 */
const TRANSCODED_DATA_IMAGE = /(\s(?:xlink:)?href=")data:image\/(?:gif|webp);base64,([A-Za-z0-9+/=\s]*)"/gi;

/**
 * The rebuilt SVG with every GIF or WebP data image re-encoded as PNG. All of them together may hold at most
 * `maxPixels` (the bound a PNG asset has), checked from their headers before any is decoded (SVG_TOO_COMPLEX);
 * a bitmap that is not really GIF or WebP, or that sharp cannot read, is left as it was, and librsvg draws nothing
 * for it, as for any broken image.
 */
export async function transcodeDataImages(svg: Buffer, maxPixels = DEFAULT_MAX_INPUT_PIXELS): Promise<Buffer> {
  const text = svg.toString('utf8');
  const found = [...text.matchAll(TRANSCODED_DATA_IMAGE)];
  if (!found.length) return svg;
  const bitmaps: Array<{ bytes: Buffer; pixels: number }> = [];
  for (const match of found) {
    const bytes = Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64');
    // sharp reads whatever the bytes are (an SVG, a TIFF …): only real GIF and WebP are handed to it.
    const metadata = isGifOrWebp(bytes) ? await sharp(bytes, { limitInputPixels: false }).metadata().catch(() => undefined) : undefined;
    bitmaps.push({ bytes, pixels: metadata?.width && metadata.height ? metadata.width * metadata.height : 0 });
  }
  const pixels = bitmaps.reduce((sum, bitmap) => sum + bitmap.pixels, 0);
  if (pixels > maxPixels) {
    throw new CardArtError('SVG_TOO_COMPLEX', `SVG embeds GIF / WebP bitmaps of ${pixels} pixels; the limit is ${maxPixels}`);
  }
  // One at a time: the decoded pixels of one bitmap at most are held at once.
  const pngs: Array<Buffer | undefined> = [];
  for (const { bytes, pixels: own } of bitmaps) {
    pngs.push(own ? await sharp(bytes, { limitInputPixels: maxPixels }).png().toBuffer().catch(() => undefined) : undefined);
  }
  let index = 0;
  return Buffer.from(
    text.replace(TRANSCODED_DATA_IMAGE, (whole, attribute: string) => {
      const png = pngs[index++];
      return png ? `${attribute}data:image/png;base64,${png.toString('base64')}"` : whole;
    }),
    'utf8',
  );
}

function isGifOrWebp(bytes: Buffer): boolean {
  const gif = bytes.toString('latin1', 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a') return true;
  return bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP';
}
