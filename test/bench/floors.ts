/**
 * The floors: the same work done the minimal way, measured in the same run as the project's code.
 * - compose: pre-decoded RGBA layers composited and PNG-encoded by one bare sharp pipeline;
 * - PDF: pdf.js + @napi-rs/canvas called directly on the calling thread;
 * - encode: one bare sharp call from raw RGBA with the project's encoder options.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import sharp from 'sharp';
import type { AssetMedia, OutputFormat, PixelSize, RasterImage } from '../../src/core/asset-media.ts';
import { CARD_HEIGHT, CARD_WIDTH } from '../../src/core/card-render-types.ts';
import { AVIF_OPTIONS, PNG_OPTIONS, WEBP_OPTIONS } from '../../src/core/encode-image.ts';
import { computeCardLayout, coverRect, type Rect } from '../../src/core/layout.ts';

interface RawLayer {
  data: Buffer;
  rect: Rect;
}

export interface ComposeFloor {
  /** Composites the pre-decoded layers over the pre-decoded background and encodes a PNG. */
  run(): Promise<Buffer>;
}

/**
 * Decodes and sizes every layer once (outside any timing); `run` then does only composite + encode, one sharp call.
 * A PDF logo is rasterized by pdf.js directly; `extra` layers (e.g. a text overlay) are composited on top.
 */
export async function prepareComposeFloor(
  layers: { background: AssetMedia; issuer: AssetMedia; brand: AssetMedia },
  extra: Array<{ image: RasterImage; left: number; top: number }> = [],
): Promise<ComposeFloor> {
  const layout = computeCardLayout({ issuer: layers.issuer, brand: layers.brand });
  const background = await sharp(layers.background.bytes)
    .resize(CARD_WIDTH, CARD_HEIGHT, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
    .ensureAlpha()
    .raw()
    .toBuffer();
  const logos: RawLayer[] = [];
  for (const [media, rect] of [
    [layers.issuer, layout.issuer],
    [layers.brand, layout.brand],
  ] as const) {
    if (!rect) throw new Error('bench card must place both logos');
    const data =
      media.kind === 'pdf'
        ? (await rasterizePdfDirectly(media.bytes, rect)).data
        : await sharp(media.bytes).resize(rect.width, rect.height, { fit: 'fill', kernel: 'lanczos3' }).ensureAlpha().raw().toBuffer();
    logos.push({ data, rect });
  }
  for (const layer of extra) {
    logos.push({ data: layer.image.data, rect: { left: layer.left, top: layer.top, width: layer.image.width, height: layer.image.height } });
  }
  return {
    run: () =>
      sharp(background, { raw: { width: CARD_WIDTH, height: CARD_HEIGHT, channels: 4 } })
        .composite(
          logos.map((logo) => ({
            input: logo.data,
            raw: { width: logo.rect.width, height: logo.rect.height, channels: 4 as const },
            left: logo.rect.left,
            top: logo.rect.top,
          })),
        )
        .png(PNG_OPTIONS)
        .toBuffer(),
  };
}

/**
 * A whole cold card the minimal way, from the asset bytes: the SVG background drawn by librsvg at the cover scale
 * and centre-cropped, both PDF logos drawn by pdf.js at their box size, one sharp composite + PNG encode.
 */
export async function renderVectorCardMinimally(layers: { background: AssetMedia; issuer: AssetMedia; brand: AssetMedia }): Promise<Buffer> {
  const layout = computeCardLayout({ issuer: layers.issuer, brand: layers.brand });
  const cover = coverRect(layers.background, { width: CARD_WIDTH, height: CARD_HEIGHT });
  const density = (72 * cover.width) / layers.background.width;
  const [background, issuer, brand] = await Promise.all([
    sharp(layers.background.bytes, { density })
      .resize(cover.width, cover.height, { fit: 'fill' })
      .extract({ left: cover.left, top: cover.top, width: CARD_WIDTH, height: CARD_HEIGHT })
      .ensureAlpha()
      .raw()
      .toBuffer(),
    rasterizePdfDirectly(layers.issuer.bytes, layout.issuer!),
    rasterizePdfDirectly(layers.brand.bytes, layout.brand!),
  ]);
  return sharp(background, { raw: { width: CARD_WIDTH, height: CARD_HEIGHT, channels: 4 } })
    .composite(
      [
        [issuer, layout.issuer!],
        [brand, layout.brand!],
      ].map(([image, rect]) => ({
        input: (image as RasterImage).data,
        raw: { width: (rect as Rect).width, height: (rect as Rect).height, channels: 4 as const },
        left: (rect as Rect).left,
        top: (rect as Rect).top,
      })),
    )
    .png(PNG_OPTIONS)
    .toBuffer();
}

const standardFontDataUrl = `${path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}${path.sep}`;

/** pdf.js called directly: open, draw page 1 at exactly `size` on a transparent canvas, read RGBA, destroy. */
export async function rasterizePdfDirectly(bytes: Buffer, size: PixelSize): Promise<RasterImage> {
  const task = getDocument({
    data: new Uint8Array(bytes),
    standardFontDataUrl,
    isEvalSupported: false,
    disableFontFace: true,
    verbosity: 0,
  } as Parameters<typeof getDocument>[0]);
  try {
    const document = await task.promise;
    const page = await document.getPage(1);
    const base = page.getViewport({ scale: 1 });
    const scaleX = size.width / base.width;
    const scaleY = size.height / base.height;
    const canvas = createCanvas(size.width, size.height);
    const context = canvas.getContext('2d');
    await page.render({
      canvas: canvas as unknown as HTMLCanvasElement,
      canvasContext: context as unknown as CanvasRenderingContext2D,
      viewport: page.getViewport({ scale: scaleX }),
      transform: scaleX === scaleY ? undefined : [1, 0, 0, scaleY / scaleX, 0, 0],
      background: 'rgba(0,0,0,0)',
    }).promise;
    const pixels = context.getImageData(0, 0, size.width, size.height).data;
    return { data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), width: size.width, height: size.height };
  } finally {
    await task.destroy();
  }
}

/** One bare sharp call: raw RGBA → (resize) → format, with the project's encoder options. */
export function encodeDirectly(image: RasterImage, format: OutputFormat, width?: number): Promise<Buffer> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
  if (width !== undefined && width !== image.width) {
    pipeline = pipeline.resize(width, Math.max(1, Math.round((image.height * width) / image.width)), { fit: 'fill', kernel: 'lanczos3' });
  }
  if (format === 'png') return pipeline.png(PNG_OPTIONS).toBuffer();
  if (format === 'webp') return pipeline.webp(WEBP_OPTIONS).toBuffer();
  return pipeline.avif(AVIF_OPTIONS).toBuffer();
}
