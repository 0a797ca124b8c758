/**
 * Token records: tokenUniqueReference → status, card art (productConfig), PAN suffix and requestor.
 * They are data, not cache: written straight to the persistent store (disk under CACHE_DIR, or Redis with
 * CACHE_URL, shared by every instance) under their own `token:` prefix, never through the memory LRU and
 * never evicted; they survive restarts. An update is applied only when it is not older than the record (see
 * `mayReplace`). Never a full card number.
 */
import type { CacheStore } from '../cache/cache-types.ts';
import { ntuPayloadKey, ntuRequestKey, tokenRecordKey } from '../cache-keys.ts';
import { CardArtError, isCardArtError } from '../errors.ts';
import { tokenRecordSchema, type TokenRecord } from './contract/token-schemas.ts';

/** MDES retries a notification for up to ~2 h 45 min (3× at once, then 15 min, 30 min, 2 h); a day covers it. */
export const NTU_REQUEST_ID_TTL_MS = 24 * 3_600_000;
/** Seconds MDES (or a client) should wait when the store cannot be reached. */
const STORE_RETRY_AFTER_SECONDS = 5;
/**
 * A statusTimestamp further ahead of our clock than this is refused (DESIGN: 5 minutes): allows for clock skew between
 * MDES and us, and keeps a record from being pinned by a far-future timestamp that no genuine update could beat.
 */
export const MAX_STATUS_TIMESTAMP_LEAD_MS = 5 * 60_000;

/** Throws 400 STATUS_TIMESTAMP_IN_FUTURE when `statusTimestamp` is more than MAX_STATUS_TIMESTAMP_LEAD_MS ahead of `now`. */
export function assertStatusTimestampNotAhead(statusTimestamp: string | undefined, now: number, field = 'statusTimestamp'): void {
  if (statusTimestamp !== undefined && Date.parse(statusTimestamp) > now + MAX_STATUS_TIMESTAMP_LEAD_MS) {
    throw new CardArtError('STATUS_TIMESTAMP_IN_FUTURE', `${field} is more than 5 minutes in the future`);
  }
}

/**
 * Whether an update may replace the stored record: one with a statusTimestamp replaces a record built without one or
 * with one that is not later (equal counts: a card art change may keep the status's timestamp); one without a
 * statusTimestamp never replaces a record that has one, only a record that has none.
 */
export function mayReplace(update: Pick<TokenUpdate, 'statusTimestamp'>, stored: Pick<TokenRecord, 'statusTimestamp'> | undefined): boolean {
  if (stored?.statusTimestamp === undefined) return true;
  if (update.statusTimestamp === undefined) return false;
  return Date.parse(update.statusTimestamp) >= Date.parse(stored.statusTimestamp);
}

/** What a notification or a Tokenize / Get Token response says about a token; absent fields keep their stored value. */
export interface TokenUpdate {
  tokenUniqueReference: string;
  status: TokenRecord['status'];
  /** Absent when the notification or response carried none (it then never replaces a record that has one). */
  statusTimestamp?: string;
  productConfig?: TokenRecord['productConfig'];
  accountPanSuffix?: string;
  tokenPanSuffix?: string;
  tokenRequestorId?: string;
}

export interface ApplyResult {
  /** False when the stored record was kept (`mayReplace`: it is newer, or the update has no statusTimestamp and it has one). */
  applied: boolean;
  record: TokenRecord;
  previous: TokenRecord | undefined;
}

export interface TokenRecords {
  get(tokenUniqueReference: string): Promise<TokenRecord | undefined>;
  /** Merges the update into the stored record when `mayReplace` allows it. */
  apply(update: TokenUpdate): Promise<ApplyResult>;
}

/**
 * Recently handled Notify Token Updated requests, by requestId and by the digest of their payload, so a retry (same
 * requestId) or a replay (the same payload under another requestId) is acknowledged without doing the work again.
 */
export interface HandledRequests {
  /** The responseId the request was first answered with, when it was handled within the TTL. */
  find(requestId: string): Promise<string | undefined>;
  /** The responseId the payload with this digest was first answered with, when handled within the TTL. */
  findPayload(payloadDigest: string): Promise<string | undefined>;
  remember(handled: { requestId: string; payloadDigest: string }, responseId: string): Promise<void>;
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
    if (previous && !mayReplace(update, previous)) return { applied: false, record: previous, previous };
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
  const find = async (key: string) => (await guarded(() => store.get(key)))?.meta.responseId;
  const remember = (key: string, responseId: string) =>
    guarded(() => store.set(key, { bytes: Buffer.alloc(0), meta: { responseId } }, { ttlMs }));
  return {
    find: (requestId) => find(ntuRequestKey(requestId)),
    findPayload: (payloadDigest) => find(ntuPayloadKey(payloadDigest)),
    async remember({ requestId, payloadDigest }, responseId) {
      await Promise.all([remember(ntuRequestKey(requestId), responseId), remember(ntuPayloadKey(payloadDigest), responseId)]);
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
