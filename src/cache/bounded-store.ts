/** Puts the CACHE_MAX_MB bound (variant-bound.ts) around the configured persistent store. */
import type { CacheStore } from './cache-types.ts';
import { seedDiskVariantIndex } from './disk-variant-scan.ts';
import { DEFAULT_REDIS_PREFIX } from './redis-store.ts';
import { createRedisVariantIndex } from './redis-variant-index.ts';
import { boundVariants, createMemoryVariantIndex } from './variant-bound.ts';
import type { SharedRedisClient } from '../service/shared-redis.ts';

export interface BoundOptions {
  cacheDir: string;
  maxBytes: number;
  /** With a Redis store: the shared index lives there. */
  redis?: SharedRedisClient;
  log: { warn(obj: object, msg: string): void };
  /** Redis key prefix of the shared index (CACHE_KEY_PREFIX); DEFAULT_REDIS_PREFIX when unset. */
  prefix?: string;
}

export type BoundedStore = ReturnType<typeof boundVariants>;

export function boundPersistentStore(store: CacheStore, options: BoundOptions): BoundedStore {
  if (store.name === 'redis' && options.redis) {
    return boundVariants(store, createRedisVariantIndex(options.redis, { prefix: options.prefix ?? DEFAULT_REDIS_PREFIX, maxBytes: options.maxBytes }));
  }
  const index = createMemoryVariantIndex(options.maxBytes);
  const bounded = boundVariants(store, index);
  if (store.name === 'disk') {
    // What earlier runs left counts too; learned in the background, off the request path.
    void seedDiskVariantIndex(options.cacheDir, index, store).catch((error: unknown) =>
      options.log.warn({ err: error }, 'could not index the rendered variants already in the cache folder'),
    );
  }
  return bounded;
}
