import type { FleetLockStats } from './fleet-lock.ts';

/** One cached value: raw bytes plus small string metadata (e.g. kind, width, height, contentType, etag). */
export interface CacheEntry {
  bytes: Buffer;
  meta: Record<string, string>;
}

export interface StoreSetOptions {
  /** The entry reads as a miss after this many ms (Redis drops it itself; a disk file is deleted when next read). */
  ttlMs?: number;
}

/** A persistent tier (disk files, Redis, …). Every method may reject when the store is down. */
export interface CacheStore {
  readonly name: string;
  /** A corrupt, truncated or unreadable entry resolves undefined (a miss), never rejects. */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Rejects with CACHE_ENTRY_TOO_LARGE above the store's entry bound, CACHE_STORE_UNAVAILABLE when down. */
  set(key: string, entry: CacheEntry, options?: StoreSetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Resolves when the store is reachable (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Entries found corrupt (checksum, truncation, bad header) and dropped so far. */
  corruptEntries?(): number;
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
  /** Store writes that failed (each also counted in persistent.errors) or were dropped because too many were pending. */
  persistentWriteFailures: number;
  /** Store calls skipped because the circuit breaker was open (store recently failing). */
  persistentSkipped: number;
  /** Corrupt persistent entries dropped (read as misses). */
  persistentCorrupt: number;
  /** 'closed' = store in use, 'open' = store bypassed after repeated failures, 'half-open' = probing. */
  persistentCircuit: 'closed' | 'open' | 'half-open';
  /** The same for store writes, which have their own breaker (a store refusing writes still serves reads). */
  persistentWriteCircuit: 'closed' | 'open' | 'half-open';
  /** The fleet-wide single flight (all zero without a fleet lock). */
  fleetLock: FleetLockStats;
}

export interface GetOrLoadOptions {
  /** Stops this caller waiting; the shared load itself keeps running for the other callers and the cache. */
  signal?: AbortSignal;
}

/** Memory LRU → persistent store → loader, with single-flight per key. Entries never expire. */
export interface TieredCache {
  get(key: string): Promise<CacheEntry | undefined>;
  /** The memory tier's entry only (counted as a memory hit or miss); never touches the store or a loader. */
  peekMemory(key: string): CacheEntry | undefined;
  /** Stores in memory and (awaited, best effort) in the persistent store; never rejects for a store failure. */
  set(key: string, entry: CacheEntry): Promise<void>;
  /** Removes from memory and (best effort) the persistent store, e.g. after a caller found the entry unusable. */
  delete(key: string): Promise<void>;
  /** Returns the cached entry or runs `load` once for all concurrent callers; failures are never cached. */
  getOrLoad(key: string, load: () => Promise<CacheEntry>, options?: GetOrLoadOptions): Promise<CacheEntry>;
  stats(): CacheStats;
  /** Rejects with CACHE_STORE_UNAVAILABLE when the persistent store does not answer (for /readyz). */
  ping(): Promise<void>;
  /** Waits (bounded) for pending store writes, then closes the store. */
  close(): Promise<void>;
}
