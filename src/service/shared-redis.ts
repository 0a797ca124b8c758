/**
 * One node-redis connection for what instances share besides cache entries (rate-limit counters, the pre-warm
 * queue, the rendered-variant index) when CACHE_URL is set. Fails fast like the cache store: no offline queue,
 * short timeouts, background reconnects; callers fall back to local state while it is down.
 */
import { createClient } from '@keyv/redis';
import { DEFAULT_REDIS_PREFIX } from '../cache/redis-store.ts';

/** Shared state sits next to the cache entries, under the same prefix. */
export const SHARED_REDIS_PREFIX = DEFAULT_REDIS_PREFIX;

/** 1 s, as the cache store's connect timeout. */
const CONNECT_TIMEOUT_MS = 1000;
/** 2 s, as the cache store's command timeout. */
const COMMAND_TIMEOUT_MS = 2000;

function connect(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
  });
}

export type SharedRedisClient = ReturnType<typeof connect>;

export interface SharedRedis {
  client: SharedRedisClient;
  close(): Promise<void>;
}

export function createSharedRedis(url: string): SharedRedis {
  const client = connect(url);
  client.on('error', () => {}); // every command rejects on its own; an unheard 'error' would crash the process
  void client.connect().catch(() => {}); // retried in the background by the reconnect strategy
  return {
    client,
    async close() {
      if (!client.isOpen) {
        client.destroy();
        return;
      }
      await client.close().catch(() => client.destroy());
    },
  };
}
