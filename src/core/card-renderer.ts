/** The card renderer: load → layout → rasterize → compose → encode. Knows nothing of HTTP or caches. */
import { LRUCache } from 'lru-cache';
import { assetCacheKey, layerFailureKey } from '../cache-keys.ts';
import { CardArtError } from '../errors.ts';
import { assertAssetId } from './asset-id.ts';
import type { AssetMedia, OutputFormat, ProductConfig, Rasterizer, RasterImage } from './asset-media.ts';
import {
  assertAllowedWidth,
  CARD_HEIGHT,
  CARD_WIDTH,
  CONTENT_TYPES,
  type CardArtRequest,
  type EncodedImage,
  type MediaLoader,
} from './card-render-types.ts';
import { type CardLayer, composeCard, extractRegion } from './compose-card.ts';
import { encodeImage } from './encode-image.ts';
import { computeCardLayout, coverRect, fitInside, type Rect, type Size } from './layout.ts';
import { renderTextLayer } from './text-overlay.ts';
import { DEFAULT_FOREGROUND_COLOR, planCard } from './card-plan.ts';

// The keys of rendered images live with every other cache key; re-exported for the renderer's callers.
export { assetRenderCacheKey, RENDER_VERSION, renderCacheKey } from '../cache-keys.ts';
export { DEFAULT_FOREGROUND_COLOR, planCard };

/** 16 Mpx (64 MB RGBA): a cover-sized background beyond this means an absurd aspect ratio, not a card. */
export const MAX_COVER_PIXELS = 16_000_000;
/** Single assets are rendered at most 1536 wide (the card width) and 4096 tall. */
export const MAX_ASSET_WIDTH = CARD_WIDTH;
export const MAX_ASSET_HEIGHT = 4096;
/** 32 MB of rasterized layers: about four cards' worth (a 1536×969 background is 5.9 MB of RGBA, logos ~1 MB each). */
export const DEFAULT_LAYER_CACHE_BYTES = 32 * 1024 * 1024;

const CARD_SIZE: Size = { width: CARD_WIDTH, height: CARD_HEIGHT };

export interface CardRenderer {
  /** Loads (fetching when not cached) every asset a card needs, without rasterizing: the part that waits on upstream. */
  prefetchCard(request: CardArtRequest, signal?: AbortSignal): Promise<void>;
  /** Loads one asset's media without rasterizing it. */
  prefetchAsset(assetId: string, signal?: AbortSignal): Promise<void>;
  renderCard(request: CardArtRequest, signal?: AbortSignal): Promise<EncodedImage>;
  /** One asset as a raster, natural aspect; width defaults to the natural width capped at 1536. */
  renderAsset(assetId: string, width: number | undefined, format: OutputFormat, signal?: AbortSignal): Promise<EncodedImage>;
  /** What the rasterized-layer cache holds and how often it answered. */
  layerCacheStats(): LayerCacheStats;
}

export interface LayerCacheStats {
  bytes: number;
  entries: number;
  hits: number;
  misses: number;
}


export interface CardRendererDeps {
  loadMedia: MediaLoader;
  rasterizer: Rasterizer;
  /** Drops an asset's cached media after its bytes failed to rasterize, so a failure is never kept. */
  forgetMedia?: (assetId: string) => Promise<void>;
  /**
   * Byte bound of the cache of rasterized layers (covered background, fitted logos) keyed by asset ID and size;
   * safe forever because an asset ID never changes content. 0 disables it. Default DEFAULT_LAYER_CACHE_BYTES.
   */
  layerCacheBytes?: number;
  /**
   * Layers that failed for the asset's own reasons, remembered for the asset (under its asset key, so the asset is
   * not even fetched again) or, for a failure of one size, for that size (see src/cache/negative-cache.ts).
   */
  failures?: { guardSized<T>(assetKey: string, sizeKey: string, work: () => Promise<T>): Promise<T> };
}

export function createCardRenderer(deps: CardRendererDeps): CardRenderer {
  const { loadMedia, rasterizer, forgetMedia } = deps;
  const layerCacheBytes = deps.layerCacheBytes ?? DEFAULT_LAYER_CACHE_BYTES;
  const layers =
    layerCacheBytes > 0
      ? new LRUCache<string, RasterImage>({ maxSize: layerCacheBytes, sizeCalculation: (image) => Math.max(1, image.data.length) })
      : undefined;
  // Concurrent renders needing the same layer share one rasterization.
  const pendingLayers = new Map<string, Promise<RasterImage>>();
  let layerHits = 0;
  let layerMisses = 0;

  /** The cached layer under `key`, else `make()` once (failures are never kept). */
  function cachedLayer(key: string, make: () => Promise<RasterImage>): Promise<RasterImage> {
    const cached = layers?.get(key);
    if (cached) {
      layerHits++;
      return Promise.resolve(cached);
    }
    const pending = pendingLayers.get(key);
    if (pending) {
      layerHits++;
      return pending;
    }
    layerMisses++;
    const made = make().then(
      (image) => {
        layers?.set(key, image);
        return image;
      },
    ).finally(() => pendingLayers.delete(key));
    pendingLayers.set(key, made);
    return made;
  }

  /** Rasterizes one asset's media; bad content (a 502) also evicts the media, so a cured upstream is seen. */
  async function rasterizeMedia(assetId: string, media: AssetMedia, size: Size): Promise<RasterImage> {
    const work = () => rasterizeOnce(assetId, media, size);
    return deps.failures ? deps.failures.guardSized(assetCacheKey(assetId), layerFailureKey(assetId, size.width, size.height), work) : work();
  }

  async function rasterizeOnce(assetId: string, media: AssetMedia, size: Size): Promise<RasterImage> {
    try {
      const image = await rasterizer.rasterize(media, size);
      assertSize(image, size);
      return image;
    } catch (error) {
      if (forgetMedia && error instanceof CardArtError && error.status === 502) await forgetMedia(assetId).catch(() => {});
      throw error;
    }
  }

  async function load(assetId: string | undefined, signal?: AbortSignal): Promise<AssetMedia | undefined> {
    return assetId === undefined ? undefined : loadMedia(assetId, signal);
  }

  async function rasterizeCover(assetId: string, media: AssetMedia): Promise<RasterImage> {
    const cover = coverRect(media, CARD_SIZE);
    if (cover.width * cover.height > MAX_COVER_PIXELS) {
      throw new CardArtError('UNSUPPORTED_ASPECT_RATIO', `background aspect ratio ${media.width}:${media.height} is too far from a card's`);
    }
    return cachedLayer(`${assetId}:cover:${CARD_WIDTH}x${CARD_HEIGHT}`, async () => {
      const covered = await rasterizeMedia(assetId, media, { width: cover.width, height: cover.height });
      return extractRegion(covered, { ...cover, width: CARD_WIDTH, height: CARD_HEIGHT });
    });
  }

  async function rasterizeLogo(assetId: string | undefined, media: AssetMedia | undefined, rect: Rect | undefined): Promise<CardLayer | undefined> {
    if (!assetId || !media || !rect) return undefined;
    const size = { width: rect.width, height: rect.height };
    const image = await cachedLayer(`${assetId}:${size.width}x${size.height}`, () => rasterizeMedia(assetId, media, size));
    return { image, left: rect.left, top: rect.top };
  }

  return {
    async prefetchCard(request, signal) {
      const plan = planCard(request.productConfig, request.text);
      const ids = [plan.combinedId ?? plan.backgroundId, plan.issuerId, plan.coBrandId, plan.brandId];
      await Promise.all(ids.map((id) => load(id, signal)));
    },

    async prefetchAsset(assetId, signal) {
      await loadMedia(assertAssetId(assetId), signal);
    },

    async renderCard(request, signal) {
      const width = assertAllowedWidth(request.width);
      const format = validateFormat(request.format);
      const plan = planCard(request.productConfig, request.text);
      signal?.throwIfAborted();

      const [background, issuer, coBrand, brand] = await Promise.all([
        load(plan.combinedId ?? plan.backgroundId, signal),
        load(plan.issuerId, signal),
        load(plan.coBrandId, signal),
        load(plan.brandId, signal),
      ]);
      signal?.throwIfAborted();
      if (!background) throw new CardArtError('MISSING_BACKGROUND', 'no background asset');

      const layout = computeCardLayout({ issuer, coBrand, brand });
      const [base, ...logos] = await Promise.all([
        rasterizeCover((plan.combinedId ?? plan.backgroundId)!, background),
        rasterizeLogo(plan.issuerId, issuer, layout.issuer),
        rasterizeLogo(plan.coBrandId, coBrand, layout.coBrand),
        rasterizeLogo(plan.brandId, brand, layout.brand),
      ]);
      signal?.throwIfAborted();

      const cardLayers = logos.filter((layer): layer is CardLayer => layer !== undefined);
      if (plan.text !== undefined) {
        const area = layout.textArea;
        const text = renderTextLayer(plan.text, plan.color ?? DEFAULT_FOREGROUND_COLOR, area);
        cardLayers.push({ image: text.image, left: area.left + text.left, top: area.top + text.top });
      }
      // At full width compose and encode run as one sharp pass; a smaller width materializes the card first.
      return encodeImage(composeCard(base!, cardLayers), format, width === CARD_WIDTH ? undefined : width);
    },

    async renderAsset(assetId, width, format, signal) {
      assertAssetId(assetId);
      if (width !== undefined && !(Number.isInteger(width) && width >= 1 && width <= MAX_ASSET_WIDTH)) {
        throw new CardArtError('INVALID_WIDTH', `width must be an integer from 1 to ${MAX_ASSET_WIDTH}`);
      }
      validateFormat(format);
      const media = await loadMedia(assetId, signal);
      signal?.throwIfAborted();
      const targetWidth = width ?? Math.min(MAX_ASSET_WIDTH, Math.max(1, Math.round(media.width)));
      const size = fitInside(media, { width: targetWidth, height: MAX_ASSET_HEIGHT });
      const image = await rasterizeMedia(assetId, media, size);
      signal?.throwIfAborted();
      return encodeImage(image, format);
    },

    layerCacheStats() {
      return { bytes: layers?.calculatedSize ?? 0, entries: layers?.size ?? 0, hits: layerHits, misses: layerMisses };
    },
  };
}

function validateFormat(format: OutputFormat): OutputFormat {
  if (!Object.hasOwn(CONTENT_TYPES, format)) throw new CardArtError('INVALID_FORMAT', 'format must be png, webp or avif');
  return format;
}

/** A rasterizer that returns another size would misplace everything after it; fail loudly instead. */
function assertSize(image: RasterImage, size: Size): void {
  if (image.width !== size.width || image.height !== size.height || image.data.length !== size.width * size.height * 4) {
    throw new CardArtError('RASTERIZE_SIZE_MISMATCH', `rasterizer returned ${image.width}x${image.height}, asked ${size.width}x${size.height}`);
  }
}
