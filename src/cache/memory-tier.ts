/** Tier 1: an in-process LRU bounded by bytes (entry bytes + key + meta), via lru-cache. */
import { LRUCache } from 'lru-cache';
import type { CacheEntry, CacheStore } from './cache-types.ts';

/** Bookkeeping per entry (object headers, map slots) so that tiny entries still count for something. */
const ENTRY_OVERHEAD_BYTES = 128;

export interface MemoryTier {
  get(key: string): CacheEntry | undefined;
  /** An entry larger than the whole bound is not kept (and evicts nothing). */
  set(key: string, entry: CacheEntry): void;
  delete(key: string): void;
  clear(): void;
  /** Bytes currently held, as counted by entrySize. */
  readonly bytes: number;
  readonly entries: number;
  readonly maxBytes: number;
}

export function entrySize(key: string, entry: CacheEntry): number {
  let size = ENTRY_OVERHEAD_BYTES + entry.bytes.length + key.length * 2;
  for (const [name, value] of Object.entries(entry.meta)) size += (name.length + value.length) * 2;
  return size;
}

export function createMemoryTier(opts: { maxBytes: number }): MemoryTier {
  if (!Number.isSafeInteger(opts.maxBytes) || opts.maxBytes < 1) {
    throw new RangeError(`memory tier maxBytes must be a positive integer, got ${opts.maxBytes}`);
  }
  const lru = new LRUCache<string, CacheEntry>({
    maxSize: opts.maxBytes,
    sizeCalculation: (entry, key) => entrySize(key, entry),
  });
  return {
    get: (key) => lru.get(key),
    set: (key, entry) => {
      lru.set(key, entry);
    },
    delete: (key) => {
      lru.delete(key);
    },
    clear: () => lru.clear(),
    get bytes() {
      return lru.calculatedSize;
    },
    get entries() {
      return lru.size;
    },
    maxBytes: opts.maxBytes,
  };
}

/** The memory tier behind the CacheStore interface: for tests, and a store-less setup that still wants one. */
export function createMemoryStore(opts: { maxBytes: number }): CacheStore & { tier: MemoryTier } {
  const tier = createMemoryTier(opts);
  return {
    name: 'memory',
    tier,
    get: async (key) => tier.get(key),
    set: async (key, entry) => tier.set(key, entry),
    delete: async (key) => tier.delete(key),
    ping: async () => {},
    close: async () => tier.clear(),
  };
}
