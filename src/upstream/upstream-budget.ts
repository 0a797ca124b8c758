/**
 * The MDES budget of one instance (UPSTREAM_MAX_RPS): every upstream HTTP call takes a token first. Calls over
 * the budget wait in a FIFO queue (rate-limiter-flexible's RateLimiterQueue over one-second windows) for at most
 * `maxWaitMs`, then fail with 503 UPSTREAM_BUSY; the queue holds at most what the budget can serve in that wait.
 */
import { RateLimiterMemory, RateLimiterQueue } from 'rate-limiter-flexible';
import { CardArtError } from '../errors.ts';

/** 50 calls per second: far below MDES's published per-client quotas, ample for a warm cache. */
export const DEFAULT_UPSTREAM_MAX_RPS = 50;
/** 2 s: a short wait smooths a burst; longer would only hold client requests open while MDES is saturated. */
export const DEFAULT_UPSTREAM_BUDGET_WAIT_MS = 2000;
/**
 * A fifth of UPSTREAM_MAX_RPS (10 calls/s at the default) for background pre-warm (Notify Token Updated, POST
 * /v1/product-configs): a flood of new asset IDs fills the pre-warm queue, never the budget card requests need
 * (they keep at least the other four fifths), and a genuine batch of new art still arrives within minutes.
 */
export const PREWARM_UPSTREAM_SHARE = 0.2;

/** Calls per second of a share of `maxRps` (at least one). */
export function shareOfBudget(maxRps: number, share: number): number {
  return Math.max(1, Math.floor(maxRps * share));
}

export interface UpstreamBudget {
  /** Resolves when a call may go out; rejects 503 UPSTREAM_BUSY once the bounded wait would be exceeded. */
  take(): Promise<void>;
  /** Calls refused for lack of budget so far. */
  refused(): number;
}

export function createUpstreamBudget(options: { maxRps: number; maxWaitMs?: number }): UpstreamBudget {
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_UPSTREAM_BUDGET_WAIT_MS;
  const limiter = new RateLimiterMemory({ points: options.maxRps, duration: 1, keyPrefix: 'upstream-budget' });
  const queue = new RateLimiterQueue(limiter, {
    maxQueueSize: Math.max(1, Math.floor((options.maxRps * maxWaitMs) / 1000)),
  });
  let refused = 0;
  return {
    async take() {
      try {
        // A deadline in whole Unix seconds, never shorter than the wait asked for.
        await queue.removeTokens(1, 'mdes', Math.ceil((Date.now() + maxWaitMs) / 1000) + 1);
      } catch (error) {
        refused += 1;
        throw new CardArtError('UPSTREAM_BUSY', 'This instance is at its MDES call budget; retry shortly', {
          retryAfterSeconds: 1,
          cause: error,
        });
      }
    },
    refused: () => refused,
  };
}
