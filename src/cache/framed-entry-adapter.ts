/**
 * A keyv store adapter holding CacheEntry values as checksummed binary frames (entry-frame.ts) in an inner
 * blob adapter (files on disk, @keyv/redis). Use it with `new Keyv(adapter, { serialize: undefined,
 * deserialize: undefined })`: keyv then hands over `{ value, expires }` objects instead of JSON strings,
 * so bytes are never base64-encoded or JSON-escaped.
 */
import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { CardArtError } from '../errors.ts';
import type { CacheEntry } from './cache-types.ts';
import { decodeEntryFrame, encodeEntryFrame } from './entry-frame.ts';

/** The part of a keyv store adapter that moves opaque byte blobs. */
export interface BlobAdapter {
  get(key: string): Promise<Buffer | undefined>;
  /** `ttlMs`: a store that can expire keys itself (Redis) does; others rely on the expiry in the frame. */
  set(key: string, value: Buffer, ttlMs?: number): Promise<unknown>;
  delete(key: string): Promise<boolean>;
  clear(): Promise<void>;
  disconnect?(): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Meta key carrying keyv's `expires` (epoch ms) inside the frame, so a store without TTLs still expires entries. */
export const EXPIRES_META = 'keyv:expires';

export interface FramedEntryAdapterOptions {
  /** Largest `bytes` accepted by set (larger → CACHE_ENTRY_TOO_LARGE). */
  maxEntryBytes: number;
}

export class FramedEntryAdapter extends EventEmitter {
  readonly opts: FramedEntryAdapterOptions;
  namespace: string | undefined;
  #inner: BlobAdapter;
  #corrupt = 0;

  constructor(inner: BlobAdapter, opts: FramedEntryAdapterOptions) {
    super();
    this.#inner = inner;
    this.opts = opts;
    // Inner adapters also reject; the event is only a duplicate, so keep it from crashing the process.
    inner.on('error', () => {});
  }

  get corruptEntries(): number {
    return this.#corrupt;
  }

  async get(key: string): Promise<{ value: CacheEntry; expires?: number } | undefined> {
    const frame = await this.#inner.get(key);
    if (frame === undefined) return undefined;
    const entry = Buffer.isBuffer(frame) ? decodeEntryFrame(key, frame) : undefined;
    if (entry) {
      const expires = entry.meta[EXPIRES_META];
      if (expires === undefined) return { value: entry };
      const { [EXPIRES_META]: _, ...meta } = entry.meta;
      // keyv deletes and misses an entry whose `expires` has passed.
      return { value: { bytes: entry.bytes, meta }, expires: Number(expires) };
    }
    this.#corrupt += 1;
    // Dropping it lets the next load write a good copy; failing to drop it changes nothing for the caller.
    await this.#inner.delete(key).catch(() => false);
    return undefined;
  }

  async set(key: string, data: { value: CacheEntry; expires?: number } | CacheEntry, ttlMs?: number): Promise<void> {
    const wrapped = 'value' in data ? data : undefined;
    let entry = wrapped ? wrapped.value : (data as CacheEntry);
    if (!entry || !Buffer.isBuffer(entry.bytes) || typeof entry.meta !== 'object') {
      throw new TypeError('FramedEntryAdapter stores CacheEntry values only (create Keyv with serialize: undefined)');
    }
    if (entry.bytes.length > this.opts.maxEntryBytes) {
      throw new CardArtError('CACHE_ENTRY_TOO_LARGE',
        `cache entry of ${entry.bytes.length} bytes exceeds the ${this.opts.maxEntryBytes}-byte bound`,
      );
    }
    if (typeof wrapped?.expires === 'number') entry = { bytes: entry.bytes, meta: { ...entry.meta, [EXPIRES_META]: String(wrapped.expires) } };
    await this.#inner.set(key, encodeEntryFrame(key, entry), ttlMs);
  }

  delete(key: string): Promise<boolean> {
    return this.#inner.delete(key);
  }

  clear(): Promise<void> {
    return this.#inner.clear();
  }

  async disconnect(): Promise<void> {
    await this.#inner.disconnect?.();
  }

  /** Typed view for `new Keyv(...)`, whose adapter type is generic over values. */
  asKeyvStore(): KeyvStoreAdapter {
    return this as unknown as KeyvStoreAdapter & { get<V>(key: string): Promise<StoredData<V> | undefined> };
  }
}
