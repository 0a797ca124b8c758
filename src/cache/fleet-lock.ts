/**
 * A lock shared by every instance of the fleet, one per cache key, so a cold miss is loaded once across all
 * instances. The tiered cache takes it around a load; the Redis implementation is
 * redis-fleet-lock.ts. Every method may reject when the lock service is away; the cache then loads locally.
 */

/** 5 s: a dead holder delays the others by at most this; a live one renews it every third of it. */
export const DEFAULT_CACHE_LOCK_TTL_MS = 5000;
/**
 * 20 s: longer than one upstream load with its retries (3 attempts of UPSTREAM_TIMEOUT_MS 5 s plus backoff) and a
 * render, so a waiter gives up on a live holder only when that holder is stuck; it then loads on its own.
 */
export const DEFAULT_CACHE_LOCK_WAIT_MS = 20_000;
/** 200 ms: how often a waiter retries the lock when no release notice comes (the holder died, its lock expired). */
export const DEFAULT_CACHE_LOCK_POLL_MS = 200;

export interface HeldLock {
  /** Stops renewing and deletes the lock if this holder still owns it, telling the waiters. Never rejects. */
  release(): Promise<void>;
  /** True once a renewal found the lock expired or taken by another (this holder stalled past the TTL). */
  readonly lost: boolean;
}

export interface FleetLock {
  /** The lock for `key`, or undefined while another holder has it. Rejects when the lock service is unreachable. */
  tryAcquire(key: string): Promise<HeldLock | undefined>;
  /** Resolves when a holder of `key` released it, or after `maxMs`, whichever comes first. Never rejects. */
  waitForRelease(key: string, maxMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface FleetLockStats {
  /** Loads run under the fleet lock (this instance was the one to load). */
  acquired: number;
  /** Misses that found another instance loading and waited for it. */
  waited: number;
  /** Waits that ended with the entry written by the other instance (no load here). */
  servedAfterWait: number;
  /** Waits that ended with the lock free and still no entry (holder died or failed): this instance loaded. */
  tookOver: number;
  /** Misses loaded locally because the lock service did not answer. */
  unavailable: number;
  /** Waits that reached CACHE_LOCK_WAIT_MS and loaded locally. */
  waitTimeouts: number;
}
