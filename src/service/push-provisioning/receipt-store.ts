import type { TieredCache } from '../../cache/cache-types.ts';

/** What is remembered of a pushed card while its receipt is valid: never the card number. */
export interface RememberedReceipt {
  accountPanSuffix: string;
  tokenRequestorId: string;
}

export interface ReceiptStore {
  remember(receipt: string, details: RememberedReceipt, expiresAt: number): Promise<void>;
  /** The details while the receipt is valid; undefined when unknown or expired. */
  recall(receipt: string): Promise<RememberedReceipt | undefined>;
}

/** Receipts are validated (PUSH_ACCOUNT_RECEIPT_PATTERN) before they become keys, so the key needs no escaping. */
export function receiptCacheKey(receipt: string): string {
  return `push-receipt:${receipt}`;
}

/** Receipts in the shared cache (memory + the persistent tier, so every instance behind CACHE_URL sees them). */
export function createReceiptStore(opts: { cache: Pick<TieredCache, 'get' | 'set' | 'delete'>; now?: () => number }): ReceiptStore {
  const now = opts.now ?? Date.now;
  return {
    async remember(receipt, details, expiresAt) {
      const entry = { accountPanSuffix: details.accountPanSuffix, tokenRequestorId: details.tokenRequestorId };
      await opts.cache.set(receiptCacheKey(receipt), {
        bytes: Buffer.from(JSON.stringify(entry)),
        meta: { kind: 'push-receipt', expiresAt: String(expiresAt) },
      });
    },
    async recall(receipt) {
      const entry = await opts.cache.get(receiptCacheKey(receipt));
      if (!entry) return undefined;
      if (!(Number(entry.meta.expiresAt) > now())) {
        await opts.cache.delete(receiptCacheKey(receipt));
        return undefined;
      }
      try {
        const details = JSON.parse(entry.bytes.toString('utf8')) as Partial<RememberedReceipt>;
        if (typeof details.accountPanSuffix !== 'string' || typeof details.tokenRequestorId !== 'string') return undefined;
        return { accountPanSuffix: details.accountPanSuffix, tokenRequestorId: details.tokenRequestorId };
      } catch {
        return undefined;
      }
    },
  };
}
