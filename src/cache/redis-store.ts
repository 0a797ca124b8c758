/**
 * The shared persistent tier (CACHE_URL=redis://…) through @keyv/redis.
 * Entries are stored as raw binary frames (entry-frame.ts), not base64-in-JSON: the client maps RESP bulk
 * strings to Buffers, so bytes go in and come out untouched (see src/cache/README.md for the measurement).
 * A dead or frozen Redis fails fast (redis-connection.ts: no offline queue, a deadline on every command), and every
 * store call has a deadline of its own on top.
 */
import KeyvRedis from '@keyv/redis';
import { CardArtError } from '../errors.ts';
import type { CacheStore } from './cache-types.ts';
import { DEFAULT_MAX_ENTRY_BYTES } from './disk-store.ts';
import { FramedEntryAdapter, type BlobAdapter } from './framed-entry-adapter.ts';
import { createKeyvCacheStore } from './keyv-cache-store.ts';
import { createRedisConnection, DEFAULT_REDIS_CONNECT_TIMEOUT_MS, REDIS_COMMAND_DEADLINE_MS } from './redis-connection.ts';

export const DEFAULT_REDIS_PREFIX = 'card-art:';
/** Commands allowed in flight per connection before new ones are refused instead of queued. */
const COMMAND_QUEUE_LIMIT = 1000;
/** RESP type byte of bulk strings ('$'); mapping it to Buffer keeps values binary. */
const RESP_BLOB_STRING = 36;

export interface RedisStoreOptions {
  /** Prepended to every key, e.g. `card-art-test:<random>:`; letters, digits and `:_.-` only. */
  prefix?: string;
  connectTimeoutMs?: number;
  /** How long a command may wait for its reply before the connection counts as stalled (default REDIS_COMMAND_DEADLINE_MS). */
  commandTimeoutMs?: number;
  maxEntryBytes?: number;
}

export function createRedisStore(url: string, opts: RedisStoreOptions = {}): CacheStore & { clear(): Promise<void> } {
  const prefix = opts.prefix ?? DEFAULT_REDIS_PREFIX;
  if (!/^[\w:.-]*$/.test(prefix)) {
    throw new CardArtError('CONFIG_INVALID', `redis key prefix may hold letters, digits and ":_.-" only: ${prefix}`);
  }
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  const commandTimeoutMs = opts.commandTimeoutMs ?? REDIS_COMMAND_DEADLINE_MS;
  const maxEntryBytes = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;

  const connection = createRedisConnection(url, {
    connectTimeoutMs,
    commandDeadlineMs: commandTimeoutMs,
    queueLimit: COMMAND_QUEUE_LIMIT,
    typeMapping: { [RESP_BLOB_STRING]: Buffer },
  });
  const { client } = connection;
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

  const ready = () => connection.ready();
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
    close: () => connection.close(commandTimeoutMs),
  });
  return store;
}
