/** One cached value: raw bytes plus small string metadata (e.g. kind, width, height, contentType, etag). */
export interface CacheEntry {
  bytes: Buffer;
  meta: Record<string, string>;
}

/** A persistent tier (disk files, Redis, …). Every method may reject when the store is down. */
export interface CacheStore {
  readonly name: string;
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry): Promise<void>;
  delete(key: string): Promise<void>;
  /** Resolves when the store is reachable (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface TierCounters {
  hits: number;
  misses: number;
  errors: number;
}

export interface CacheStats {
  memory: TierCounters;
  persistent: TierCounters;
  /** Loads that ran the loader (upstream fetch or render). */
  loads: number;
  loadFailures: number;
  /** Callers that waited on another caller's in-flight load instead of starting their own. */
  coalescedWaits: number;
  memoryBytes: number;
  memoryEntries: number;
}

/** Memory LRU → persistent store → loader, with single-flight per key. Entries never expire. */
export interface TieredCache {
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry): Promise<void>;
  /** Returns the cached entry or runs `load` once for all concurrent callers; failures are never cached. */
  getOrLoad(key: string, load: () => Promise<CacheEntry>): Promise<CacheEntry>;
  stats(): CacheStats;
  ping(): Promise<void>;
  close(): Promise<void>;
}
