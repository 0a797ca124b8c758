/**
 * Memory LRU → persistent store → loader, single flight per key. The store is an optimisation, never a
 * dependency: its failures are counted, logged at most once per interval, and answered from memory or the
 * loader; a circuit breaker keeps a dead store from costing every request a timeout.
 */
import { CardArtError, isCardArtError } from '../errors.ts';
import type { CacheEntry, CacheStats, CacheStore, GetOrLoadOptions, TierCounters, TieredCache } from './cache-types.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';
import { DEFAULT_CACHE_LOCK_POLL_MS, DEFAULT_CACHE_LOCK_WAIT_MS, type FleetLock, type FleetLockStats } from './fleet-lock.ts';
import { createMemoryTier } from './memory-tier.ts';
import { untilAborted } from '../until-aborted.ts';

export interface CacheLog {
  warn(obj: object, msg: string): void;
}

export interface TieredCacheOptions {
  memoryBytes: number;
  store?: CacheStore;
  log?: CacheLog;
  /** Consecutive store failures that open the circuit (default 3). */
  breakerFailureThreshold?: number;
  /** How long the store is bypassed once the circuit opens (default 5000 ms). */
  breakerOpenMs?: number;
  /** At most one store warning per this interval (default 30000 ms); the rest are counted in it. */
  warnIntervalMs?: number;
  /** Background store writes allowed at once; more are dropped and counted (default 64). */
  maxPendingWrites?: number;
  /** How long close() waits for pending writes (default 5000 ms). */
  closeTimeoutMs?: number;
  now?: () => number;
  /**
   * Shared by every instance on the same store (Redis): a miss loads only where the lock was taken; elsewhere the
   * miss waits for the entry to appear in the store. Unset: single flight within this process only.
   */
  fleetLock?: FleetLock;
  /** How long a miss waits for another instance's load before loading itself (default DEFAULT_CACHE_LOCK_WAIT_MS). */
  lockWaitMs?: number;
  /** How often a waiter retries the lock when no release notice comes (default DEFAULT_CACHE_LOCK_POLL_MS). */
  lockPollMs?: number;
}

/** What a store read answers when the store failed or was skipped (its circuit open). */
const STORE_UNAVAILABLE = Symbol('store unavailable');

export function createTieredCache(opts: TieredCacheOptions): TieredCache {
  const now = opts.now ?? Date.now;
  const store = opts.store;
  const memory = createMemoryTier({ maxBytes: opts.memoryBytes });
  const breakerOptions = { failureThreshold: opts.breakerFailureThreshold ?? 3, openMs: opts.breakerOpenMs ?? 5000, now };
  const breaker = createCircuitBreaker(breakerOptions);
  // Writes trip their own breaker: a store that refuses writes (Redis at maxmemory + noeviction) still serves reads.
  const writeBreaker = createCircuitBreaker(breakerOptions);
  const warnIntervalMs = opts.warnIntervalMs ?? 30_000;
  const maxPendingWrites = opts.maxPendingWrites ?? 64;
  const inFlight = new Map<string, Promise<CacheEntry>>();
  /** Background store writes by key, so a delete can wait for the write it must undo. */
  const pendingWrites = new Map<string, Promise<void>>();
  const memoryCounters: TierCounters = { hits: 0, misses: 0, errors: 0 };
  const persistentCounters: TierCounters = { hits: 0, misses: 0, errors: 0 };
  const counters = { loads: 0, loadFailures: 0, coalescedWaits: 0, writeFailures: 0, skipped: 0 };
  const fleet: FleetLockStats = { acquired: 0, waited: 0, servedAfterWait: 0, tookOver: 0, unavailable: 0, waitTimeouts: 0 };
  const fleetLock = opts.fleetLock;
  const lockWaitMs = opts.lockWaitMs ?? DEFAULT_CACHE_LOCK_WAIT_MS;
  const lockPollMs = opts.lockPollMs ?? DEFAULT_CACHE_LOCK_POLL_MS;
  let lastLockWarnAt: number | undefined;
  let lastWarnAt: number | undefined;
  let suppressedWarnings = 0;
  let closed = false;

  function warnStoreFailure(operation: string, error: unknown): void {
    const at = now();
    if (lastWarnAt !== undefined && at - lastWarnAt < warnIntervalMs) {
      suppressedWarnings += 1;
      return;
    }
    opts.log?.warn(
      { store: store?.name, operation, err: error, suppressedSinceLastWarning: suppressedWarnings, circuit: breaker.state() },
      'persistent cache store failed; serving from memory and the loader',
    );
    lastWarnAt = at;
    suppressedWarnings = 0;
  }

  /** Runs one store call through the breaker; undefined when skipped or failed (the failure is counted). */
  async function callStore<T>(operation: string, run: (s: CacheStore) => Promise<T>): Promise<{ value: T } | undefined> {
    if (!store || closed) return undefined;
    const gate = operation === 'set' ? writeBreaker : breaker;
    if (!gate.allow()) {
      counters.skipped += 1;
      return undefined;
    }
    try {
      const value = await run(store);
      gate.succeeded();
      return { value };
    } catch (error) {
      if (isCardArtError(error) && error.code === 'CACHE_ENTRY_TOO_LARGE') {
        gate.succeeded(); // the store answered; this entry just lives in memory only
        throw error;
      }
      gate.failed();
      persistentCounters.errors += 1;
      warnStoreFailure(operation, error);
      return undefined;
    }
  }

  function readMemory(key: string): CacheEntry | undefined {
    const fromMemory = memory.get(key);
    if (fromMemory) {
      memoryCounters.hits += 1;
      return fromMemory;
    }
    memoryCounters.misses += 1;
    return undefined;
  }

  /** The store's entry for `key`, `undefined` for a miss, or STORE_UNAVAILABLE when it failed or its circuit is open. */
  async function readStoreOutcome(key: string): Promise<CacheEntry | undefined | typeof STORE_UNAVAILABLE> {
    const result = await callStore('get', (s) => s.get(key));
    if (!result) return STORE_UNAVAILABLE;
    if (!result.value) {
      persistentCounters.misses += 1;
      return undefined;
    }
    persistentCounters.hits += 1;
    memory.set(key, result.value);
    return result.value;
  }

  async function readStore(key: string): Promise<CacheEntry | undefined> {
    const outcome = await readStoreOutcome(key);
    return outcome === STORE_UNAVAILABLE ? undefined : outcome;
  }

  /** Best effort: a write that fails, is skipped by the breaker or is too large is counted, never thrown. */
  async function writeStore(key: string, entry: CacheEntry): Promise<void> {
    if (!store || closed) return;
    try {
      if (!(await callStore('set', (s) => s.set(key, entry)))) counters.writeFailures += 1;
    } catch {
      counters.writeFailures += 1; // CACHE_ENTRY_TOO_LARGE: the entry lives in memory only
    }
  }

  function writeInBackground(key: string, entry: CacheEntry): void {
    if (!store || closed) return;
    if (pendingWrites.size >= maxPendingWrites) {
      counters.writeFailures += 1;
      return;
    }
    const previous = pendingWrites.get(key) ?? Promise.resolve();
    const write: Promise<void> = previous.then(() => writeStore(key, entry)).finally(() => {
      if (pendingWrites.get(key) === write) pendingWrites.delete(key);
    });
    pendingWrites.set(key, write);
  }

  async function loadShared(key: string, load: () => Promise<CacheEntry>): Promise<CacheEntry> {
    const stored = await readStoreOutcome(key);
    if (stored && stored !== STORE_UNAVAILABLE) return stored;
    // With the store failing (this read, or its circuit open) Redis is known to be away: no lock round trip, load here.
    if (!fleetLock || closed || stored === STORE_UNAVAILABLE) return runLoad(key, load, false);
    return loadOnceInFleet(fleetLock, key, load);
  }

  /**
   * Loads under the fleet lock, or waits for the instance that holds it: its entry appears in the store before it
   * releases. A released or expired lock with still no entry (the holder failed or died) is taken by the next
   * waiter. The lock service away, or a wait past lockWaitMs, means a local load: never a failed request.
   */
  async function loadOnceInFleet(lock: FleetLock, key: string, load: () => Promise<CacheEntry>): Promise<CacheEntry> {
    const deadline = now() + lockWaitMs;
    let waited = false;
    for (;;) {
      let held;
      try {
        held = await lock.tryAcquire(key);
      } catch (error) {
        fleet.unavailable += 1;
        warnLockUnavailable(error);
        return runLoad(key, load, false);
      }
      if (held) {
        try {
          // Another instance may have written the entry between our store read and the lock.
          const found = await readStore(key);
          if (found) {
            if (waited) fleet.servedAfterWait += 1;
            return found;
          }
          if (waited) fleet.tookOver += 1;
          fleet.acquired += 1;
          // The write is awaited: waiters look for the entry as soon as the lock is released.
          return await runLoad(key, load, true);
        } finally {
          void held.release(); // never rejects; the callers need not wait for it (the entry is already stored)
        }
      }
      if (!waited) fleet.waited += 1;
      waited = true;
      const left = deadline - now();
      if (left <= 0) {
        fleet.waitTimeouts += 1;
        return runLoad(key, load, false);
      }
      await lock.waitForRelease(key, Math.min(lockPollMs, left));
    }
  }

  function warnLockUnavailable(error: unknown): void {
    const at = now();
    if (lastLockWarnAt !== undefined && at - lastLockWarnAt < warnIntervalMs) return;
    lastLockWarnAt = at;
    opts.log?.warn({ err: error, unavailableSoFar: fleet.unavailable }, 'fleet lock unavailable; loading locally');
  }

  async function runLoad(key: string, load: () => Promise<CacheEntry>, awaitWrite: boolean): Promise<CacheEntry> {
    counters.loads += 1;
    let entry: CacheEntry;
    try {
      entry = await load();
    } catch (error) {
      counters.loadFailures += 1;
      throw error;
    }
    if (!entry || !Buffer.isBuffer(entry.bytes) || typeof entry.meta !== 'object' || entry.meta === null) {
      counters.loadFailures += 1;
      throw new CardArtError('CACHE_LOAD_INVALID', `loader for ${key} returned no cache entry`);
    }
    memory.set(key, entry);
    if (awaitWrite) await writeStore(key, entry);
    else writeInBackground(key, entry);
    return entry;
  }

  return {
    async get(key) {
      return readMemory(key) ?? (await readStore(key));
    },

    peekMemory(key) {
      const entry = memory.get(key);
      if (entry) memoryCounters.hits += 1;
      return entry;
    },

    async set(key, entry) {
      memory.set(key, entry);
      await writeStore(key, entry);
    },

    async delete(key) {
      // A load still in flight or its background write would put the entry back after the delete.
      await inFlight.get(key)?.catch(() => undefined);
      await pendingWrites.get(key);
      memory.delete(key);
      await callStore('delete', (s) => s.delete(key));
    },

    async getOrLoad(key, load, options: GetOrLoadOptions = {}) {
      options.signal?.throwIfAborted();
      const cached = readMemory(key);
      if (cached) return cached;
      let shared = inFlight.get(key);
      if (shared) {
        counters.coalescedWaits += 1;
      } else {
        shared = loadShared(key, load).finally(() => inFlight.delete(key));
        inFlight.set(key, shared);
      }
      return options.signal ? untilAborted(shared, options.signal) : shared;
    },

    stats(): CacheStats {
      return {
        memory: { ...memoryCounters },
        persistent: { ...persistentCounters },
        loads: counters.loads,
        loadFailures: counters.loadFailures,
        coalescedWaits: counters.coalescedWaits,
        memoryBytes: memory.bytes,
        memoryEntries: memory.entries,
        persistentWriteFailures: counters.writeFailures,
        persistentSkipped: counters.skipped,
        persistentCorrupt: store?.corruptEntries?.() ?? 0,
        persistentCircuit: breaker.state(),
        persistentWriteCircuit: writeBreaker.state(),
        fleetLock: { ...fleet },
      };
    },

    async ping() {
      if (!store) return;
      try {
        await store.ping();
      } catch (error) {
        if (isCardArtError(error) && error.code === 'CACHE_STORE_UNAVAILABLE') throw error;
        throw new CardArtError('CACHE_STORE_UNAVAILABLE', `${store.name} store is not reachable`, { cause: error });
      }
    },

    async close() {
      if (closed) return;
      const writes = Promise.allSettled([...pendingWrites.values()]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([writes, new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.closeTimeoutMs ?? 5000)))]);
      clearTimeout(timer);
      closed = true;
      memory.clear();
      await Promise.all([store?.close(), fleetLock?.close()]);
    },
  };
}
