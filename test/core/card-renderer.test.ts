import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { AssetMedia, ProductConfig } from '../../src/core/asset-media.ts';
import { assetCacheKey } from '../../src/cache/cached-media-loader.ts';
import { assetRenderCacheKey, createCardRenderer, planCard, RENDER_VERSION, renderCacheKey } from '../../src/core/card-renderer.ts';
import type { CardArtRequest } from '../../src/core/card-render-types.ts';
import { parseProductConfig } from '../../src/core/product-config.ts';
import { createRasterizer } from '../../src/core/rasterizer.ts';
import { CardArtError } from '../../src/errors.ts';
import { folderMediaLoader } from '../golden/golden-renderer.ts';
import { GOLDEN_ASSET_DIR } from '../golden/make-golden-fixtures.ts';

const rasterizer = createRasterizer({ processes: 0 });
afterAll(() => rasterizer.close());

async function pngMedia(width: number, height: number): Promise<AssetMedia> {
  const bytes = await sharp({ create: { width, height, channels: 4, background: '#808080' } }).png().toBuffer();
  return { kind: 'png', bytes, width, height };
}

const fromFolder = folderMediaLoader(GOLDEN_ASSET_DIR);
const extra = new Map<string, Promise<AssetMedia>>([
  ['tall-4', pngMedia(100, 400)],
  ['tall-8', pngMedia(100, 800)],
  ['needle', pngMedia(10, 5000)],
]);
const renderer = createCardRenderer({ loadMedia: (id) => extra.get(id) ?? fromFolder(id), rasterizer });

function request(productConfig: Record<string, unknown>, rest: Partial<CardArtRequest> = {}): CardArtRequest {
  return { productConfig: parseProductConfig(productConfig), width: 1536, format: 'png', ...rest };
}

async function rejection(promise: Promise<unknown>): Promise<CardArtError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(CardArtError);
  return error as CardArtError;
}

describe('planCard', () => {
  const base: ProductConfig = { cardBackgroundAssetId: 'bg', issuerLogoAssetId: 'i', coBrandLogoAssetId: 'c' };

  it('draws the co-brand logo unless isCoBranded is explicitly false', () => {
    expect(planCard(base, undefined).coBrandId).toBe('c');
    expect(planCard({ ...base, isCoBranded: true }, undefined).coBrandId).toBe('c');
    expect(planCard({ ...base, isCoBranded: false }, undefined).coBrandId).toBeUndefined();
  });

  it('uses the combined image alone when present, and black text by default', () => {
    expect(planCard({ ...base, cardBackgroundCombinedAssetId: 'comb' }, '•••• 1')).toEqual({ combinedId: 'comb', text: '•••• 1', color: '000000' });
  });
});

describe('RENDER_VERSION', () => {
  it('is part of every rendered-image key, and of no asset key', () => {
    const req = request({ cardBackgroundAssetId: 'bg' });
    expect(renderCacheKey(req, RENDER_VERSION)).toBe(renderCacheKey(req));
    expect(renderCacheKey(req, `${RENDER_VERSION}+1`)).not.toBe(renderCacheKey(req));
    expect(assetRenderCacheKey('bg', 128, 'png', `${RENDER_VERSION}+1`)).not.toBe(assetRenderCacheKey('bg', 128, 'png'));
    expect(assetCacheKey('bg')).toBe('asset:bg');
  });
});

describe('renderCacheKey', () => {
  const key = (config: Record<string, unknown>, rest: Partial<CardArtRequest> = {}) => renderCacheKey(request(config, rest));
  const config = { cardBackgroundAssetId: 'bg', issuerLogoAssetId: 'i', brandLogoAssetId: 'b' };

  it('is a sha256 hex that ignores what cannot change the pixels', () => {
    const plain = key(config);
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
    expect(key({ ...config, iconAssetId: 'icon', issuerName: 'x', foregroundColor: 'ABCDEF' })).toBe(plain);
    expect(key({ ...config, coBrandLogoAssetId: 'c', isCoBranded: 'false' })).toBe(plain);
    expect(key({ cardBackgroundCombinedAssetId: 'comb', ...config })).toBe(key({ cardBackgroundCombinedAssetId: 'comb' }));
    // A '#' colour is refused at the edge now (the contract says 6 hex digits, no '#'); case still does not matter.
    expect(key({ ...config, foregroundColor: 'ABCDEF' }, { text: 'x' })).toBe(key({ ...config, foregroundColor: 'abcdef' }, { text: 'x' }));
  });

  it('changes with anything that changes the pixels', () => {
    const keys = [
      key(config),
      key(config, { width: 768 }),
      key(config, { format: 'webp' }),
      key(config, { text: '•••• 1234' }),
      key({ ...config, foregroundColor: 'ffffff' }, { text: '•••• 1234' }),
      key({ ...config, coBrandLogoAssetId: 'c' }),
      key({ ...config, brandLogoAssetId: 'b2' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('renderCard', () => {
  it('renders at an allowed width and format', async () => {
    const image = await renderer.renderCard(request({ cardBackgroundAssetId: 'bg-dark', brandLogoAssetId: 'brand-vector' }, { width: 128, format: 'avif' }));
    expect(image).toMatchObject({ contentType: 'image/avif', width: 128, height: 81 });
    expect(await sharp(image.bytes).metadata()).toMatchObject({ width: 128, height: 81 });
  });

  it('rejects widths and formats it does not offer', async () => {
    expect((await rejection(renderer.renderCard(request({ cardBackgroundAssetId: 'bg-dark' }, { width: 1000 })))).code).toBe('INVALID_WIDTH');
    const gif = request({ cardBackgroundAssetId: 'bg-dark' }, { format: 'gif' as 'png' });
    expect((await rejection(renderer.renderCard(gif))).code).toBe('INVALID_FORMAT');
  });

  it('covers a 1:4 background but refuses one whose cover size is absurd', async () => {
    const tall = await renderer.renderCard(request({ cardBackgroundAssetId: 'tall-4' }, { width: 256 }));
    expect(tall).toMatchObject({ width: 256, height: 162 });
    const error = await rejection(renderer.renderCard(request({ cardBackgroundAssetId: 'tall-8' })));
    expect(error).toMatchObject({ status: 422, code: 'UNSUPPORTED_ASPECT_RATIO' });
  });

  it('passes on a missing asset and stops when aborted', async () => {
    expect((await rejection(renderer.renderCard(request({ cardBackgroundAssetId: 'nope' })))).code).toBe('ASSET_NOT_FOUND');
    const aborted = renderer.renderCard(request({ cardBackgroundAssetId: 'bg-dark' }), AbortSignal.abort());
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('renderAsset', () => {
  it('renders at the natural size by default and keeps the aspect at a given width', async () => {
    expect(await renderer.renderAsset('issuer-solid', undefined, 'png')).toMatchObject({ width: 400, height: 200, contentType: 'image/png' });
    expect(await renderer.renderAsset('issuer-solid', 100, 'webp')).toMatchObject({ width: 100, height: 50, contentType: 'image/webp' });
    // PDF: 150x90 pt page, rasterized as a vector at 600 px wide
    const pdf = await renderer.renderAsset('brand-vector', 600, 'png');
    expect(pdf).toMatchObject({ width: 600, height: 360 });
    expect(await sharp(pdf.bytes).metadata()).toMatchObject({ width: 600, height: 360, hasAlpha: true });
  });

  it('caps the natural width at 1536 and the height at 4096', async () => {
    expect(await renderer.renderAsset('issuer-huge', undefined, 'png')).toMatchObject({ width: 1536, height: 384 });
    expect(await renderer.renderAsset('needle', undefined, 'png')).toMatchObject({ width: 8, height: 4096 });
  });

  it('rejects bad IDs and widths', async () => {
    expect((await rejection(renderer.renderAsset('../x', undefined, 'png'))).code).toBe('INVALID_ASSET_ID');
    expect((await rejection(renderer.renderAsset('issuer-solid', 0, 'png'))).code).toBe('INVALID_WIDTH');
    expect((await rejection(renderer.renderAsset('issuer-solid', 1537, 'png'))).code).toBe('INVALID_WIDTH');
  });
});

describe('bad media is not kept', () => {
  it('asks to forget an asset whose bytes fail to rasterize, and only that one', async () => {
    const broken: AssetMedia = { kind: 'png', bytes: Buffer.concat([(await pngMedia(50, 50)).bytes.subarray(0, 60)]), width: 50, height: 50 };
    const forgotten: string[] = [];
    const media = new Map<string, Promise<AssetMedia>>([
      ['bg', pngMedia(1536, 969)],
      ['bad-logo', Promise.resolve(broken)],
    ]);
    const withForget = createCardRenderer({
      loadMedia: (id) => media.get(id)!,
      rasterizer,
      forgetMedia: async (id) => void forgotten.push(id),
    });
    const error = await rejection(withForget.renderCard(request({ cardBackgroundAssetId: 'bg', issuerLogoAssetId: 'bad-logo' })));
    expect(error.status).toBe(502);
    expect(forgotten).toEqual(['bad-logo']);
    await rejection(withForget.renderAsset('bad-logo', 100, 'png'));
    expect(forgotten).toEqual(['bad-logo', 'bad-logo']);
    await withForget.renderAsset('bg', 128, 'png');
    expect(forgotten).toHaveLength(2);
  });
});

describe('rasterized layer cache', () => {
  /** The shared rasterizer, counting the calls per asset size. */
  function countingRasterizer() {
    const calls: string[] = [];
    return {
      calls,
      rasterizer: {
        rasterize: (media: AssetMedia, size: { width: number; height: number }) => {
          calls.push(`${media.kind}:${size.width}x${size.height}`);
          return rasterizer.rasterize(media, size);
        },
      },
    };
  }
  const card = { cardBackgroundAssetId: 'bg-dark', issuerLogoAssetId: 'issuer-solid', brandLogoAssetId: 'brand-vector', foregroundColor: 'ffffff' };

  it('rasterizes nothing again for the same card with other text, and the pixels stay the same', async () => {
    const counting = countingRasterizer();
    const cached = createCardRenderer({ loadMedia: fromFolder, rasterizer: counting.rasterizer });
    const first = await cached.renderCard(request(card, { text: '•••• 1111' }));
    expect(counting.calls).toHaveLength(3);
    const second = await cached.renderCard(request(card, { text: '•••• 2222' }));
    const third = await cached.renderCard(request(card, { width: 768, format: 'webp' }));
    expect(counting.calls).toHaveLength(3);
    expect(third).toMatchObject({ width: 768, contentType: 'image/webp' });
    expect(cached.layerCacheStats()).toMatchObject({ entries: 3, hits: 6, misses: 3 });
    expect(first.bytes.equals(second.bytes)).toBe(false);

    const uncached = createCardRenderer({ loadMedia: fromFolder, rasterizer, layerCacheBytes: 0 });
    const fresh = await uncached.renderCard(request(card, { text: '•••• 2222' }));
    const [a, b] = await Promise.all([second, fresh].map((image) => sharp(image.bytes).raw().toBuffer()));
    expect(a!.equals(b!)).toBe(true);
    expect(uncached.layerCacheStats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('shares one rasterization between concurrent renders', async () => {
    const counting = countingRasterizer();
    const cached = createCardRenderer({ loadMedia: fromFolder, rasterizer: counting.rasterizer });
    await Promise.all(['1', '2', '3'].map((digit) => cached.renderCard(request(card, { text: `•••• ${digit}` }))));
    expect(counting.calls).toHaveLength(3);
  });

  it('stays within its byte bound, evicting the least recently used layer', async () => {
    const counting = countingRasterizer();
    // Room for one card-sized background (1536×969×4 = 5.95 MB) and a logo, not two backgrounds.
    const bound = 7 * 1024 * 1024;
    const cached = createCardRenderer({ loadMedia: fromFolder, rasterizer: counting.rasterizer, layerCacheBytes: bound });
    await cached.renderCard(request({ cardBackgroundAssetId: 'bg-dark', brandLogoAssetId: 'brand-solid' }));
    await cached.renderCard(request({ cardBackgroundAssetId: 'bg-light', brandLogoAssetId: 'brand-solid' }));
    expect(cached.layerCacheStats().bytes).toBeLessThanOrEqual(bound);
    expect(counting.calls).toHaveLength(3);
    await cached.renderCard(request({ cardBackgroundAssetId: 'bg-dark', brandLogoAssetId: 'brand-solid' }));
    expect(counting.calls).toHaveLength(4);
    expect(cached.layerCacheStats().bytes).toBeLessThanOrEqual(bound);
  });

  it('never keeps a failed rasterization', async () => {
    const counting = countingRasterizer();
    const broken: AssetMedia = { kind: 'png', bytes: (await pngMedia(50, 50)).bytes.subarray(0, 60), width: 50, height: 50 };
    const cached = createCardRenderer({
      loadMedia: async (id) => (id === 'bad-logo' ? broken : fromFolder(id)),
      rasterizer: counting.rasterizer,
    });
    const broke = request({ cardBackgroundAssetId: 'bg-dark', issuerLogoAssetId: 'bad-logo' });
    expect((await rejection(cached.renderCard(broke))).status).toBe(502);
    expect((await rejection(cached.renderCard(broke))).status).toBe(502);
    expect(counting.calls.filter((call) => call.startsWith('png:') && !call.startsWith('png:1536x'))).toHaveLength(2);
  });
});
