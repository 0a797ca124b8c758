/**
 * MDES assets never change under an ID (DESIGN §1), so the chosen media of each asset is cached forever
 * under `asset:{assetId}`: the bytes as they are, and meta {kind, width, height}.
 */
import type { AssetMedia, MediaKind } from '../core/asset-media.ts';
import type { MediaLoader } from '../core/card-render-types.ts';
import { CardArtError } from '../errors.ts';
import type { CacheEntry, TieredCache } from './cache-types.ts';

export interface CachedMediaLoaderDeps {
  cache: TieredCache;
  /** The Get Asset body for an ID (size- and time-bounded by the upstream client). */
  fetchAsset: (id: string, signal?: AbortSignal) => Promise<unknown>;
  /** Picks and validates one entry of a Get Asset body. */
  decode: (body: unknown) => Promise<AssetMedia>;
}

export function assetCacheKey(assetId: string): string {
  return `asset:${assetId}`;
}

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
  if (!bytesLookLike(kind, entry.bytes)) return undefined;
  return { kind, bytes: entry.bytes, width: w, height: h };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PDF_SIGNATURE = Buffer.from('%PDF-', 'latin1');

/** A cheap agreement check of bytes and kind; full validation happened when the asset was decoded. */
function bytesLookLike(kind: MediaKind, bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  const isPng = bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE);
  const isPdf = bytes.subarray(0, 1024).includes(PDF_SIGNATURE);
  if (kind === 'png') return isPng;
  if (kind === 'pdf') return isPdf;
  return !isPng && !isPdf && bytes.subarray(0, 4096).toString('utf8').includes('<svg');
}

export function createCachedMediaLoader(deps: CachedMediaLoaderDeps): MediaLoader {
  return async (assetId, signal) => {
    const key = assetCacheKey(assetId);
    // The shared fetch is not tied to one caller's signal: others may be waiting on it, and its result is
    // worth caching; the upstream client's own timeout bounds it. A caller's signal only ends its wait.
    const load = async () => mediaToEntry(await deps.decode(await deps.fetchAsset(assetId)));
    const media = entryToMedia(await deps.cache.getOrLoad(key, load, { signal }));
    if (media) return media;
    await deps.cache.delete(key);
    const reloaded = entryToMedia(await deps.cache.getOrLoad(key, load, { signal }));
    if (reloaded) return reloaded;
    throw new CardArtError(502, 'ASSET_MEDIA_INCONSISTENT', `asset ${assetId} decoded to media whose bytes do not match its kind`);
  };
}
