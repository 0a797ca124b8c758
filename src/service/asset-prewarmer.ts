import type { Logger } from 'pino';
import { CardArtError } from '../errors.ts';

/** Background fetches at once: enough to hide upstream latency without hammering MDES. */
export const PREWARM_CONCURRENCY = 4;
/** Asset IDs allowed to wait for a background fetch. */
export const PREWARM_QUEUE_LIMIT = 2000;

export interface PrewarmResult {
  queued: string[];
  alreadyCached: string[];
}

export interface AssetPrewarmer {
  /** Queues every ID neither cached nor already queued; returns at once. */
  prewarm(assetIds: string[]): Promise<PrewarmResult>;
  /** IDs waiting or being fetched. */
  pending(): number;
  /** Resolves when every queued fetch has settled. */
  idle(): Promise<void>;
}

export interface AssetPrewarmerOptions {
  isCached: (assetId: string) => Promise<boolean>;
  /** Fetches (and so caches) one asset. */
  load: (assetId: string) => Promise<unknown>;
  log: Logger;
  concurrency?: number;
  queueLimit?: number;
}

export function createAssetPrewarmer(options: AssetPrewarmerOptions): AssetPrewarmer {
  const { isCached, load, log } = options;
  const concurrency = options.concurrency ?? PREWARM_CONCURRENCY;
  const queueLimit = options.queueLimit ?? PREWARM_QUEUE_LIMIT;
  const waiting: string[] = [];
  const known = new Set<string>();
  let active = 0;
  let idleResolvers: Array<() => void> = [];

  function pump(): void {
    while (active < concurrency && waiting.length > 0) {
      const assetId = waiting.shift() as string;
      active += 1;
      load(assetId)
        .catch((error: unknown) => log.warn({ err: error, assetId }, 'pre-warm fetch failed'))
        .finally(() => {
          active -= 1;
          known.delete(assetId);
          pump();
        });
    }
    if (active === 0 && waiting.length === 0) {
      const resolvers = idleResolvers;
      idleResolvers = [];
      for (const resolve of resolvers) resolve();
    }
  }

  return {
    async prewarm(assetIds) {
      const unique = [...new Set(assetIds)];
      const cachedFlags = await Promise.all(
        unique.map((id) => (known.has(id) ? Promise.resolve(false) : isCached(id).catch(() => false))),
      );
      const queued: string[] = [];
      const alreadyCached: string[] = [];
      const fresh = unique.filter((id, index) => {
        if (cachedFlags[index]) alreadyCached.push(id);
        return !cachedFlags[index];
      });
      const toAdd = fresh.filter((id) => !known.has(id));
      if (waiting.length + toAdd.length > queueLimit) {
        throw new CardArtError('PREWARM_QUEUE_FULL', 'Too many assets are waiting to be fetched; retry later', {
          retryAfterSeconds: 5,
        });
      }
      for (const id of fresh) {
        queued.push(id);
        if (known.has(id)) continue;
        known.add(id);
        waiting.push(id);
      }
      pump();
      return { queued, alreadyCached };
    },
    pending: () => waiting.length + active,
    idle() {
      if (active === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleResolvers.push(resolve));
    },
  };
}
