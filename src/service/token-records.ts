/**
 * Token records: tokenUniqueReference → status, card art (productConfig), PAN suffix and requestor.
 * They are data, not cache: written straight to the persistent store (disk under CACHE_DIR, or Redis with
 * CACHE_URL, shared by every instance) under their own `token:` prefix, never through the memory LRU and
 * never evicted; they survive restarts. The newest statusTimestamp wins. Never a full card number.
 */
import type { CacheStore } from '../cache/cache-types.ts';
import { ntuRequestKey, tokenRecordKey } from '../cache-keys.ts';
import { CardArtError, isCardArtError } from '../errors.ts';
import { tokenRecordSchema, type TokenRecord } from './contract/token-schemas.ts';

/** MDES retries a notification for up to ~2 h 45 min (3× at once, then 15 min, 30 min, 2 h); a day covers it. */
export const NTU_REQUEST_ID_TTL_MS = 24 * 3_600_000;
/** Seconds MDES (or a client) should wait when the store cannot be reached. */
const STORE_RETRY_AFTER_SECONDS = 5;

/** What a notification or a Tokenize / Get Token response says about a token; absent fields keep their stored value. */
export interface TokenUpdate {
  tokenUniqueReference: string;
  status: TokenRecord['status'];
  statusTimestamp: string;
  productConfig?: TokenRecord['productConfig'];
  accountPanSuffix?: string;
  tokenPanSuffix?: string;
  tokenRequestorId?: string;
}

export interface ApplyResult {
  /** False when the stored record is newer (its statusTimestamp is later) and was kept. */
  applied: boolean;
  record: TokenRecord;
  previous: TokenRecord | undefined;
}

export interface TokenRecords {
  get(tokenUniqueReference: string): Promise<TokenRecord | undefined>;
  /** Merges the update into the stored record unless the stored one is newer. */
  apply(update: TokenUpdate): Promise<ApplyResult>;
}

/** Recently handled Notify Token Updated requestIds, so a retry is acknowledged without doing the work again. */
export interface HandledRequests {
  /** The responseId the request was first answered with, when it was handled within the TTL. */
  find(requestId: string): Promise<string | undefined>;
  remember(requestId: string, responseId: string): Promise<void>;
}

export function createTokenRecords(opts: { store: CacheStore; now?: () => number }): TokenRecords {
  const { store } = opts;
  const now = opts.now ?? Date.now;
  /** Updates of one token in this process run one after another, so a read-merge-write never interleaves. */
  const chains = new Map<string, Promise<unknown>>();

  async function read(ref: string): Promise<TokenRecord | undefined> {
    const entry = await guarded(() => store.get(tokenRecordKey(ref)));
    if (!entry) return undefined;
    try {
      return tokenRecordSchema.parse(JSON.parse(entry.bytes.toString('utf8')));
    } catch {
      return undefined; // an entry we cannot read is as good as none; the next update rewrites it
    }
  }

  async function applyNow(update: TokenUpdate): Promise<ApplyResult> {
    const previous = await read(update.tokenUniqueReference);
    if (previous && Date.parse(previous.statusTimestamp) > Date.parse(update.statusTimestamp)) {
      return { applied: false, record: previous, previous };
    }
    const record = tokenRecordSchema.parse({
      tokenUniqueReference: update.tokenUniqueReference,
      status: update.status,
      productConfig: update.productConfig ?? previous?.productConfig,
      accountPanSuffix: update.accountPanSuffix ?? previous?.accountPanSuffix,
      tokenPanSuffix: update.tokenPanSuffix ?? previous?.tokenPanSuffix,
      statusTimestamp: update.statusTimestamp,
      tokenRequestorId: update.tokenRequestorId ?? previous?.tokenRequestorId,
      updatedAt: new Date(now()).toISOString(),
    });
    const bytes = Buffer.from(JSON.stringify(record), 'utf8');
    await guarded(() => store.set(tokenRecordKey(record.tokenUniqueReference), { bytes, meta: { kind: 'token-record' } }));
    return { applied: true, record, previous };
  }

  return {
    get: (ref) => read(ref),
    apply(update) {
      const ref = update.tokenUniqueReference;
      const run = (chains.get(ref) ?? Promise.resolve()).catch(() => {}).then(() => applyNow(update));
      chains.set(ref, run);
      void run.finally(() => {
        if (chains.get(ref) === run) chains.delete(ref);
      }).catch(() => {});
      return run;
    },
  };
}

export function createHandledRequests(opts: { store: CacheStore; ttlMs?: number }): HandledRequests {
  const { store } = opts;
  const ttlMs = opts.ttlMs ?? NTU_REQUEST_ID_TTL_MS;
  return {
    async find(requestId) {
      const entry = await guarded(() => store.get(ntuRequestKey(requestId)));
      return entry ? entry.meta.responseId : undefined;
    },
    async remember(requestId, responseId) {
      await guarded(() =>
        store.set(ntuRequestKey(requestId), { bytes: Buffer.alloc(0), meta: { responseId } }, { ttlMs }),
      );
    },
  };
}

/** A store failure becomes a 503 with Retry-After: token records are data, so there is no tier to fall back to. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isCardArtError(error) && error.status < 500) throw error;
    throw new CardArtError('TOKEN_STORE_UNAVAILABLE', 'Token records are unavailable; retry later', {
      cause: error,
      retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
    });
  }
}
