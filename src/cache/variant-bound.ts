/**
 * CACHE_MAX_MB: a byte bound on what clients can make the persistent tier hold. Rendered variants (any key but
 * the assets themselves, so also per-range token requestor lists) are counted in an LRU index; past the bound
 * the least recently used are deleted from the store. Assets (`asset:{id}`, `requestor-asset:{id}`) are kept and
 * not counted: their number is bounded by MDES, not by what a client types into `text`.
 * The index lives in memory for the disk store (rebuilt from the files' headers at start) and in Redis (a
 * sorted set shared by every instance) for the Redis store.
 */
import { LRUCache } from 'lru-cache';
import { COUNTED_VARIANT_PREFIXES } from '../cache-keys.ts';
import type { CacheEntry, CacheStore } from './cache-types.ts';

/** 2 GiB of rendered variants: tens of thousands of cards, a small share of a typical disk or Redis. */
export const DEFAULT_CACHE_MAX_MB = 2048;


/**
 * What the bound counts and may evict: rendered variants only (cards and assets are keyed by a sha256 hex,
 * requestor logos and per-range lists by their prefix). Anything else is kept: upstream assets (`asset:`,
 * `requestor-asset:`), fixed in number by MDES, and data that is not a cache at all (token records).
 */
export function isCountedKey(key: string): boolean {
  return /^[0-9a-f]{64}$/.test(key) || COUNTED_VARIANT_PREFIXES.some((prefix) => key.startsWith(prefix));
}

export function isKeptKey(key: string): boolean {
  return !isCountedKey(key);
}

/** The size of an entry as it is stored (bytes + a generous allowance for key, meta and frame). */
export function storedSize(key: string, entry: CacheEntry): number {
  let meta = 0;
  for (const [name, value] of Object.entries(entry.meta)) meta += name.length + value.length;
  return entry.bytes.length + key.length + meta + 128;
}

export interface VariantIndex {
  /** Records `key` (now `bytes` long) as just used; resolves the keys to delete to get back under the bound. */
  add(key: string, bytes: number): Promise<string[]>;
  /** Marks `key` as just used (a read hit). */
  touch(key: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** Bytes counted now. */
  totalBytes(): Promise<number>;
  close?(): Promise<void>;
}

export interface VariantBoundStats {
  evictions: number;
}

/** Wraps a store so counted entries stay within the index's bound; the rest passes through unchanged. */
export function boundVariants(store: CacheStore, index: VariantIndex): CacheStore & { variantStats(): VariantBoundStats; variantBytes(): Promise<number> } {
  let evictions = 0;
  return {
    name: store.name,
    async get(key) {
      const entry = await store.get(key);
      if (entry && !isKeptKey(key)) void index.touch(key).catch(() => {});
      return entry;
    },
    async set(key, entry, setOptions) {
      await store.set(key, entry, setOptions);
      if (isKeptKey(key)) return;
      const evicted = await index.add(key, storedSize(key, entry));
      for (const old of evicted) {
        evictions += 1;
        await store.delete(old).catch(() => {});
      }
    },
    async delete(key) {
      await store.delete(key);
      if (!isKeptKey(key)) await index.remove(key).catch(() => {});
    },
    ping: () => store.ping(),
    async close() {
      await index.close?.().catch(() => {});
      await store.close();
    },
    ...(store.corruptEntries ? { corruptEntries: () => store.corruptEntries!() } : {}),
    variantStats: () => ({ evictions }),
    variantBytes: () => index.totalBytes(),
  };
}

export interface MemoryVariantIndex extends VariantIndex {
  /** Adds an entry found at start (call oldest first); returns the keys that no longer fit. */
  seed(key: string, bytes: number): string[];
}

/** An in-process LRU index (the disk store: one instance owns a folder's bound). */
export function createMemoryVariantIndex(maxBytes: number): MemoryVariantIndex {
  let evicted: string[] = [];
  const lru = new LRUCache<string, number>({
    maxSize: maxBytes,
    // Never refused: an entry alone above the bound is accepted, then evicted itself (and so deleted).
    maxEntrySize: Number.MAX_SAFE_INTEGER,
    sizeCalculation: (bytes) => Math.max(1, bytes),
    dispose: (_bytes, key, reason) => {
      if (reason === 'evict') evicted.push(key);
    },
  });
  const setAndTake = (key: string, bytes: number) => {
    lru.set(key, bytes);
    const keys = evicted;
    evicted = [];
    return keys;
  };
  return {
    add: async (key, bytes) => setAndTake(key, bytes),
    async touch(key) {
      lru.get(key);
    },
    async remove(key) {
      lru.delete(key);
    },
    totalBytes: async () => lru.calculatedSize,
    seed: setAndTake,
  };
}
