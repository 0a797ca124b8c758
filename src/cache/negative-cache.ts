/**
 * Remembered failures: an asset that failed for a reason of its own (too complex, too large, unsafe, broken) or an
 * asset ID upstream does not know is remembered for a while, so a repeat answers at once with the same error
 * instead of fetching or rendering it again. A rasterization that failed on its own is remembered for the whole
 * asset (every size), unless the failure depends on the size asked for. Upstream and transient failures are never
 * remembered, and an entry expires after its window, so a fixed asset is seen again.
 */
import { LRUCache } from 'lru-cache';
import { CardArtError, type ErrorCode } from '../errors.ts';

/** 10 000 remembered failures (~2 MB): far more distinct bad assets than any real card portfolio has. */
export const DEFAULT_NEGATIVE_CACHE_ENTRIES = 10_000;

export interface NegativeCache {
  /** The remembered error for `key` (a fresh CardArtError with the same status, code and message), if any. */
  recall(key: string): CardArtError | undefined;
  /** Remembers `error` under `key` when it is the asset's own failure or an unknown ID; anything else is ignored. */
  rememberIfOwn(key: string, error: unknown): void;
  /** Throws the remembered error, else runs `work`, remembering its own failures. */
  guard<T>(key: string, work: () => Promise<T>): Promise<T>;
  /**
   * For work on one asset at one size (rasterizing): throws what is remembered for the asset (`assetKey`) or for
   * that size (`sizeKey`), else runs `work`; its own failure is remembered for the asset, every size, unless it is
   * `sizeSpecific` (then for that size only).
   */
  guardSized<T>(assetKey: string, sizeKey: string, work: () => Promise<T>): Promise<T>;
  readonly size: number;
  /** Recalls that found a remembered failure (each answered without fetching or rendering). */
  readonly hits: number;
}

export interface NegativeCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

/** Failures that belong to the asset: its content (ASSET_*, PNG_*, PDF_*, SVG_* 502s), its shape, or an unknown ID. */
export function isAssetOwnFailure(error: unknown): error is CardArtError {
  if (!(error instanceof CardArtError)) return false;
  if (error.code === 'ASSET_NOT_FOUND' || error.code === 'UNSUPPORTED_ASPECT_RATIO') return true;
  return error.status === 502 && /^(?:ASSET|PNG|PDF|SVG)_/.test(error.code);
}

interface Remembered {
  status: number;
  code: ErrorCode;
  message: string;
}

export function createNegativeCache(options: NegativeCacheOptions): NegativeCache {
  const enabled = options.ttlMs > 0;
  const entries = new LRUCache<string, Remembered>({
    max: options.maxEntries ?? DEFAULT_NEGATIVE_CACHE_ENTRIES,
    ttl: enabled ? options.ttlMs : 1,
    ttlAutopurge: false,
    // Exact expiry (lru-cache would otherwise reuse one clock reading for a while).
    ttlResolution: 0,
    ...(options.now ? { perf: { now: options.now } } : {}),
  });
  let hits = 0;
  const cache: NegativeCache = {
    recall(key) {
      const hit = entries.get(key);
      if (!hit) return undefined;
      hits += 1;
      return new CardArtError(hit.code, hit.message, { status: hit.status });
    },
    rememberIfOwn(key, error) {
      if (!enabled || !isAssetOwnFailure(error)) return;
      entries.set(key, { status: error.status, code: error.code, message: error.message });
    },
    async guard(key, work) {
      const remembered = cache.recall(key);
      if (remembered) throw remembered;
      try {
        return await work();
      } catch (error) {
        cache.rememberIfOwn(key, error);
        throw error;
      }
    },
    async guardSized(assetKey, sizeKey, work) {
      const remembered = cache.recall(assetKey) ?? cache.recall(sizeKey);
      if (remembered) throw remembered;
      try {
        return await work();
      } catch (error) {
        cache.rememberIfOwn(error instanceof CardArtError && error.sizeSpecific ? sizeKey : assetKey, error);
        throw error;
      }
    },
    get size() {
      return entries.size;
    },
    get hits() {
      return hits;
    },
  };
  return cache;
}
