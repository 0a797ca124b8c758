/**
 * The shared persistent tier (CACHE_URL=redis://…) through @keyv/redis.
 * Entries are stored as raw binary frames (entry-frame.ts), not base64-in-JSON: the client maps RESP bulk
 * strings to Buffers, so bytes go in and come out untouched (see src/cache/README.md for the measurement).
 * A dead Redis fails fast: no offline queue, short connect and command timeouts, and a deadline per call.
 */
import KeyvRedis, { createClient } from '@keyv/redis';
import { CardArtError } from '../errors.ts';
import type { CacheStore } from './cache-types.ts';
import { DEFAULT_MAX_ENTRY_BYTES } from './disk-store.ts';
import { FramedEntryAdapter, type BlobAdapter } from './framed-entry-adapter.ts';
import { createKeyvCacheStore } from './keyv-cache-store.ts';

export const DEFAULT_REDIS_PREFIX = 'card-art:';
/** 1 s: a reachable Redis on the same network connects in milliseconds. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 1000;
/** 2 s: a 32 MiB entry still transfers in time on a LAN; a stalled server does not hold a request longer. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2000;
/** Commands allowed in flight per connection before new ones are refused instead of queued. */
const COMMAND_QUEUE_LIMIT = 1000;
/** RESP type byte of bulk strings ('$'); mapping it to Buffer keeps values binary. */
const RESP_BLOB_STRING = 36;

export interface RedisStoreOptions {
  /** Prepended to every key, e.g. `card-art-test:<random>:`; letters, digits and `:_.-` only. */
  prefix?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  maxEntryBytes?: number;
}

export function createRedisStore(url: string, opts: RedisStoreOptions = {}): CacheStore & { clear(): Promise<void> } {
  const prefix = opts.prefix ?? DEFAULT_REDIS_PREFIX;
  if (!/^[\w:.-]*$/.test(prefix)) {
    throw new CardArtError('CONFIG_INVALID', `redis key prefix may hold letters, digits and ":_.-" only: ${prefix}`);
  }
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  const commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  const maxEntryBytes = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;

  let everReady = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandsQueueMaxLength: COMMAND_QUEUE_LIMIT,
    socket: {
      connectTimeout: connectTimeoutMs,
      // Never retry the first connection (connect() then fails at once and the next call tries again);
      // after a lost connection, retry in the background with a capped backoff.
      reconnectStrategy: (retries: number, cause: Error) => (everReady ? Math.min(100 * 2 ** retries, 2000) : cause),
    },
    commandOptions: { timeout: commandTimeoutMs, typeMapping: { [RESP_BLOB_STRING]: Buffer } },
  });
  client.on('ready', () => {
    everReady = true;
  });
  const redis = new KeyvRedis<Buffer>(client as never, {
    namespace: prefix === '' ? undefined : prefix,
    keyPrefixSeparator: '',
    useUnlink: true,
    clearBatchSize: 500,
    throwOnConnectError: true,
    throwOnErrors: true,
    connectionTimeout: connectTimeoutMs,
  });
  redis.on('error', () => {}); // surfaced as rejections; node-redis would otherwise crash on an unheard 'error'

  // One connection attempt shared by concurrent callers: with the offline queue off, a command sent while
  // another caller's connect() is still under way would fail with "client is offline".
  let connecting: Promise<unknown> | undefined;
  const ready = async (): Promise<void> => {
    if (client.isOpen && !connecting) return;
    connecting ??= client.connect().finally(() => {
      connecting = undefined;
    });
    await connecting;
  };
  const blobs: BlobAdapter = {
    get: async (key) => (await ready(), redis.get<Buffer>(key)),
    set: async (key, value, ttlMs) => (await ready(), redis.set(key, value as unknown as string, ttlMs)),
    delete: async (key) => (await ready(), redis.delete(key)),
    clear: async () => (await ready(), redis.clear()),
    on: (event, listener) => redis.on(event, listener),
  };

  const store = createKeyvCacheStore({
    name: 'redis',
    adapter: new FramedEntryAdapter(blobs, { maxEntryBytes }),
    operationTimeoutMs: connectTimeoutMs + commandTimeoutMs,
    ping: async () => {
      await ready();
      await client.ping();
    },
    close: async () => {
      if (!client.isOpen) return;
      try {
        await Promise.race([client.close(), new Promise((_, reject) => setTimeout(reject, commandTimeoutMs).unref())]);
      } catch {
        client.destroy();
      }
    },
  });
  return store;
}
