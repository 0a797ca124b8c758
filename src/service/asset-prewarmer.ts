import type { Logger } from 'pino';
import { CardArtError, isCardArtError } from '../errors.ts';
import type { UpstreamBudget } from '../upstream/upstream-budget.ts';
import type { PrewarmJournal } from './prewarm-journal.ts';

/** Background fetches at once: enough to hide upstream latency without hammering MDES. */
export const PREWARM_CONCURRENCY = 4;
/** Asset IDs allowed to wait for a background fetch. */
export const PREWARM_QUEUE_LIMIT = 2000;
/** An ID refused for lack of MDES budget (its share, or the instance's) is tried again after this long. */
const BUSY_RETRY_MS = 1000;

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
  /** Queues what the journal still holds from an earlier run (at start); resolves how many were queued. */
  resume(): Promise<number>;
  /** Starts nothing more and stops touching the journal (what is pending stays there for the next run). */
  close(): Promise<void>;
}

export interface AssetPrewarmerOptions {
  isCached: (assetId: string) => Promise<boolean>;
  /** Fetches (and so caches) one asset. */
  load: (assetId: string) => Promise<unknown>;
  log: Logger;
  concurrency?: number;
  queueLimit?: number;
  /** Keeps accepted IDs until fetched, across restarts (and, in Redis, across instances). */
  journal?: PrewarmJournal;
  /**
   * Pre-warm's own share of the MDES budget (PREWARM_UPSTREAM_SHARE of UPSTREAM_MAX_RPS): a token of it is taken before
   * each fetch, on top of the instance budget the fetch itself takes from, so card requests keep the rest.
   */
  budget?: Pick<UpstreamBudget, 'take'>;
}

export function createAssetPrewarmer(options: AssetPrewarmerOptions): AssetPrewarmer {
  const { isCached, load, log, journal } = options;
  const concurrency = options.concurrency ?? PREWARM_CONCURRENCY;
  const queueLimit = options.queueLimit ?? PREWARM_QUEUE_LIMIT;
  const waiting: string[] = [];
  const known = new Set<string>();
  let active = 0;
  let retrying = 0;
  let idleResolvers: Array<() => void> = [];

  let closed = false;
  let journalWrites: Promise<unknown> = Promise.resolve();

  function pump(): void {
    while (!closed && active < concurrency && waiting.length > 0) {
      const assetId = waiting.shift() as string;
      active += 1;
      let retry = false;
      (options.budget ? options.budget.take() : Promise.resolve())
        .then(() => load(assetId))
        .catch((error: unknown) => {
          // Out of MDES budget is this instance's state, not the asset's: try again later instead of dropping it.
          if (isCardArtError(error) && error.code === 'UPSTREAM_BUSY') retry = true;
          else log.warn({ err: error, assetId }, 'pre-warm fetch failed');
        })
        .then(() => {
          if (retry || closed || !journal) return undefined;
          const write = journal.done(assetId);
          journalWrites = Promise.allSettled([journalWrites, write]);
          return write;
        })
        .catch((error: unknown) => log.warn({ err: error, assetId }, 'could not clear a pre-warm ID from the journal'))
        .finally(() => {
          active -= 1;
          if (retry) {
            retrying += 1;
            setTimeout(() => {
              retrying -= 1;
              waiting.push(assetId);
              pump();
            }, BUSY_RETRY_MS).unref();
          } else {
            known.delete(assetId);
          }
          pump();
        });
    }
    if (active === 0 && waiting.length === 0 && retrying === 0) {
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
      // Recorded before the 202 goes out; an ID another instance already holds is not queued here too.
      let claimed = toAdd;
      if (journal) {
        try {
          claimed = await journal.add(toAdd);
        } catch (error) {
          throw new CardArtError('PREWARM_UNAVAILABLE', 'The pre-warm queue cannot be recorded right now; retry later', {
            retryAfterSeconds: 5,
            cause: error,
          });
        }
      }
      const claimedSet = new Set(claimed);
      for (const id of fresh) {
        queued.push(id);
        if (known.has(id) || !claimedSet.has(id)) continue;
        known.add(id);
        waiting.push(id);
      }
      pump();
      return { queued, alreadyCached };
    },
    async close() {
      closed = true;
      await journalWrites;
    },
    async resume() {
      if (!journal || closed) return 0;
      const ids = (await journal.pending()).filter((id) => !known.has(id)).slice(0, Math.max(0, queueLimit - waiting.length));
      for (const id of ids) {
        known.add(id);
        waiting.push(id);
      }
      pump();
      return ids.length;
    },
    pending: () => waiting.length + active + retrying,
    idle() {
      if (active === 0 && waiting.length === 0 && retrying === 0) return Promise.resolve();
      return new Promise((resolve) => idleResolvers.push(resolve));
    },
  };
}
