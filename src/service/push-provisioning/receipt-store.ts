import type { CacheStore } from '../../cache/cache-types.ts';
import { pushReceiptKey } from '../../cache-keys.ts';
import { PUSH_RECEIPT_VALIDITY_MINUTES } from '../../upstream/push-multiple-accounts.ts';

/** What is remembered of a pushed card while its receipt is valid: never the card number. */
export interface RememberedReceipt {
  accountPanSuffix: string;
  tokenRequestorId: string;
}

export interface ReceiptStore {
  /** Best effort: a store outage only means the results will lack the card details. */
  remember(receipt: string, details: RememberedReceipt, expiresAt: number): Promise<void>;
  /** The details while the receipt is valid; undefined when unknown, expired or the store is down. */
  recall(receipt: string): Promise<RememberedReceipt | undefined>;
}


/**
 * Receipts in the persistent tier with a TTL of their validity (Redis drops them itself; a disk entry past its
 * expiry is deleted when read), so every instance sharing CACHE_URL knows them. Never held by the memory LRU.
 */
export function createReceiptStore(opts: {
  store: Pick<CacheStore, 'get' | 'set' | 'delete'>;
  now?: () => number;
  log?: { warn(obj: object, msg: string): void };
}): ReceiptStore {
  const now = opts.now ?? Date.now;
  return {
    async remember(receipt, details, expiresAt) {
      const entry = { accountPanSuffix: details.accountPanSuffix, tokenRequestorId: details.tokenRequestorId };
      const ttlMs = Math.max(1, Math.min(expiresAt - now(), PUSH_RECEIPT_VALIDITY_MINUTES * 60_000));
      try {
        await opts.store.set(
          pushReceiptKey(receipt),
          { bytes: Buffer.from(JSON.stringify(entry)), meta: { kind: 'push-receipt', expiresAt: String(expiresAt) } },
          { ttlMs },
        );
      } catch (error) {
        opts.log?.warn({ err: error }, 'could not remember a push receipt');
      }
    },
    async recall(receipt) {
      try {
        const entry = await opts.store.get(pushReceiptKey(receipt));
        if (!entry) return undefined;
        if (!(Number(entry.meta.expiresAt) > now())) {
          await opts.store.delete(pushReceiptKey(receipt));
          return undefined;
        }
        const details = JSON.parse(entry.bytes.toString('utf8')) as Partial<RememberedReceipt>;
        if (typeof details.accountPanSuffix !== 'string' || typeof details.tokenRequestorId !== 'string') return undefined;
        return { accountPanSuffix: details.accountPanSuffix, tokenRequestorId: details.tokenRequestorId };
      } catch {
        return undefined;
      }
    },
  };
}
