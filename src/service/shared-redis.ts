/**
 * One Redis connection for what instances share besides cache entries (rate-limit counters, the pre-warm queue, the
 * rendered-variant index) when CACHE_URL is set. Fails fast like the cache store (redis-connection.ts: no offline
 * queue, a deadline on every command, background reconnects); callers fall back to local state while it is down.
 */
import { createRedisConnection, type RedisClient } from '../cache/redis-connection.ts';
import { DEFAULT_REDIS_PREFIX } from '../cache/redis-store.ts';

/** Shared state sits next to the cache entries, under the same prefix. */
export const SHARED_REDIS_PREFIX = DEFAULT_REDIS_PREFIX;

export type SharedRedisClient = RedisClient;

export interface SharedRedis {
  client: SharedRedisClient;
  close(): Promise<void>;
}

export function createSharedRedis(url: string): SharedRedis {
  const connection = createRedisConnection(url);
  // Connected at once; users send commands straight to the client, which fail at once until it is ready.
  void connection.ready().catch(() => {});
  return { client: connection.client, close: () => connection.close() };
}
