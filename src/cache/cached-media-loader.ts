/**
 * MDES assets never change under an ID, so the chosen media of each asset is cached forever
 * under `asset:{assetId}`: the bytes as they are, and meta {kind, width, height}.
 */
import { assetCacheKey } from '../cache-keys.ts';
import type { AssetMedia } from '../core/asset-media.ts';
import type { MediaLoader } from '../core/card-render-types.ts';
import { sniffMediaKind } from '../core/sniff-media.ts';
import { CardArtError } from '../errors.ts';
import type { CacheEntry, TieredCache } from './cache-types.ts';
import type { NegativeCache } from './negative-cache.ts';

export interface CachedMediaLoaderDeps {
  cache: TieredCache;
  /** The Get Asset body for an ID (size- and time-bounded by the upstream client). */
  fetchAsset: (id: string, signal?: AbortSignal) => Promise<unknown>;
  /** Picks and validates one entry of a Get Asset body. */
  decode: (body: unknown) => Promise<AssetMedia>;
  /** Unknown IDs and assets that failed to decode are remembered here for a while (never upstream trouble). */
  failures?: NegativeCache;
}

export { assetCacheKey };

export function mediaToEntry(media: AssetMedia): CacheEntry {
  return { bytes: media.bytes, meta: { kind: media.kind, width: String(media.width), height: String(media.height) } };
}

/** The media an entry describes, or undefined when its meta and bytes do not agree (treated as a miss). */
export function entryToMedia(entry: CacheEntry): AssetMedia | undefined {
  const { kind, width, height } = entry.meta;
  if (kind !== 'png' && kind !== 'pdf' && kind !== 'svg') return undefined;
  const w = Number(width);
  const h = Number(height);
  if (!(w > 0 && h > 0 && Number.isFinite(w) && Number.isFinite(h))) return undefined;
  // The same sniffing the decoder used, so an entry agrees with it exactly.
  if (sniffMediaKind(entry.bytes) !== kind) return undefined;
  if (kind === 'png' && (entry.bytes.length < 24 || entry.bytes.readUInt32BE(16) !== w || entry.bytes.readUInt32BE(20) !== h)) {
    return undefined;
  }
  return { kind, bytes: entry.bytes, width: w, height: h };
}

export function createCachedMediaLoader(deps: CachedMediaLoaderDeps): MediaLoader {
  return async (assetId, signal) => {
    const key = assetCacheKey(assetId);
    const remembered = deps.failures?.recall(key);
    if (remembered) throw remembered;
    try {
      return await loadMedia(key, assetId, signal);
    } catch (error) {
      deps.failures?.rememberIfOwn(key, error);
      throw error;
    }
  };

  async function loadMedia(key: string, assetId: string, signal: AbortSignal | undefined): Promise<AssetMedia> {
    // The shared fetch is not tied to one caller's signal: others may be waiting on it, and its result is
    // worth caching; the upstream client's own timeout bounds it. A caller's signal only ends its wait.
    const load = async () => mediaToEntry(await deps.decode(await deps.fetchAsset(assetId)));
    const media = entryToMedia(await deps.cache.getOrLoad(key, load, { signal }));
    if (media) return media;
    await deps.cache.delete(key);
    const reloaded = entryToMedia(await deps.cache.getOrLoad(key, load, { signal }));
    if (reloaded) return reloaded;
    throw new CardArtError('ASSET_MEDIA_INCONSISTENT', `asset ${assetId} decoded to media whose bytes do not match its kind`);
  }
}
