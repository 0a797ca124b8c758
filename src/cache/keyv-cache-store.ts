/** A CacheStore over a Keyv instance whose adapter is a FramedEntryAdapter; every call has a deadline. */
import { Keyv } from 'keyv';
import { CardArtError, isCardArtError } from '../errors.ts';
import type { CacheEntry, CacheStore } from './cache-types.ts';
import type { FramedEntryAdapter } from './framed-entry-adapter.ts';

export interface KeyvCacheStoreOptions {
  name: string;
  adapter: FramedEntryAdapter;
  /** Upper bound of one get/set/delete/ping, connection attempts included. */
  operationTimeoutMs: number;
  ping(): Promise<void>;
  /** Releases the backend; called once by close(). */
  close(): Promise<void>;
}

export function createKeyvCacheStore(options: KeyvCacheStoreOptions): CacheStore & { keyv: Keyv; clear(): Promise<void> } {
  const keyv = new Keyv<CacheEntry>(options.adapter.asKeyvStore(), {
    serialize: undefined,
    deserialize: undefined,
    namespace: undefined,
    useKeyPrefix: false,
    throwOnErrors: true,
  });
  keyv.on('error', () => {}); // errors reach callers as rejections; the event is a duplicate
  const guard = <T>(operation: string, run: () => Promise<T>) =>
    withDeadline(options.name, operation, options.operationTimeoutMs, run);
  let closed: Promise<void> | undefined;

  return {
    name: options.name,
    keyv,
    get: (key) => guard('get', async () => (await keyv.get<CacheEntry>(key)) ?? undefined),
    set: (key, entry, setOptions) => guard('set', async () => void (await keyv.set(key, entry, setOptions?.ttlMs))),
    delete: (key) => guard('delete', async () => void (await keyv.delete(key))),
    clear: () => guard('clear', () => keyv.clear()),
    ping: () => guard('ping', options.ping),
    close: () => (closed ??= options.close()),
    corruptEntries: () => options.adapter.corruptEntries,
  };
}

/** Runs `run` with a deadline; failures other than CardArtErrors become CACHE_STORE_UNAVAILABLE. */
export async function withDeadline<T>(storeName: string, operation: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CardArtError('CACHE_STORE_UNAVAILABLE', `${storeName} ${operation} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run(), deadline]);
  } catch (error) {
    if (isCardArtError(error)) throw error;
    throw new CardArtError('CACHE_STORE_UNAVAILABLE', `${storeName} ${operation} failed: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
