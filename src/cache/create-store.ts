/** Picks the persistent tier from configuration: Redis when CACHE_URL is set, else files under CACHE_DIR. */
import type { CacheStore } from './cache-types.ts';
import { createDiskStore, type DiskStoreOptions } from './disk-store.ts';
import { createRedisStore, type RedisStoreOptions } from './redis-store.ts';

export function createPersistentStore(
  config: { cacheDir: string; cacheUrl?: string },
  options: { disk?: DiskStoreOptions; redis?: RedisStoreOptions } = {},
): CacheStore {
  if (config.cacheUrl) return createRedisStore(config.cacheUrl, options.redis);
  return createDiskStore(config.cacheDir, options.disk);
}
