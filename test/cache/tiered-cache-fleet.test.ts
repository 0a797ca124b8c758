/**
 * The tiered cache's fleet-wide single flight: several caches in this process, each with its own Redis store and
 * fleet lock connections on one prefix (as separate instances would be), against the real Redis at 127.0.0.1:6379.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL as REDIS_URL, useTestRedis } from '../support/test-redis.ts';
import type { CacheEntry, TieredCache } from '../../src/cache/cache-types.ts';
import { createRedisFleetLock } from '../../src/cache/redis-fleet-lock.ts';
import { createRedisStore } from '../../src/cache/redis-store.ts';
import { assessRedisSettings, checkRedisSettings } from '../../src/cache/redis-settings-check.ts';
import { createTieredCache } from '../../src/cache/tiered-cache.ts';
import { createMemoryStore } from '../../src/cache/memory-tier.ts';
import { REFUSED_PORT } from '../support/free-port.ts';
import { waitFor } from '../hardening/harness.ts';

const { prefix, admin } = useTestRedis();
const opened: TieredCache[] = [];

function instance(opts: { ttlMs?: number; waitMs?: number } = {}): TieredCache {
  const cache = createTieredCache({
    memoryBytes: 16 * 1024 * 1024,
    store: createRedisStore(REDIS_URL, { prefix }),
    fleetLock: createRedisFleetLock(REDIS_URL, { prefix, ttlMs: opts.ttlMs ?? 2000 }),
    lockWaitMs: opts.waitMs ?? 10_000,
    lockPollMs: 50,
  });
  opened.push(cache);
  return cache;
}

const entry = (text: string): CacheEntry => ({ bytes: Buffer.from(text), meta: { kind: 'test' } });

const lockHeld = async (key: string) => (await admin.exists(`${prefix}lock:${key}`)) === 1;
const heldBy = (key: string) => waitFor(`the lock on ${key} to be taken`, () => lockHeld(key));
/** Resolves once the lock key is gone (a release runs just after the load's callers are answered). */
const released = (key: string) => waitFor(`the lock on ${key} to be released`, async () => !(await lockHeld(key)));

afterAll(async () => {
  await Promise.all(opened.map((cache) => cache.close()));
});

describe('fleet-wide single flight', () => {
  it('loads a cold key once across three instances; the others are served the entry from the store', async () => {
    const caches = [instance(), instance(), instance()];
    const waiting = () => caches.reduce((sum, cache) => sum + cache.stats().fleetLock.waited, 0);
    let loads = 0;
    // The load ends once the other two instances wait for it, not after a pause they might overrun (their first
    // Redis connections can take longer than that on a busy machine, and they would then find the entry stored).
    const load = async () => {
      loads += 1;
      await waitFor('the other two instances to wait', () => waiting() === 2);
      return entry('loaded once');
    };
    const results = await Promise.all(caches.flatMap((cache) => Array.from({ length: 10 }, () => cache.getOrLoad('cold-1', load))));
    expect(loads).toBe(1);
    expect(new Set(results.map((r) => r.bytes.toString()))).toEqual(new Set(['loaded once']));
    const fleet = caches.map((cache) => cache.stats().fleetLock);
    expect(fleet.reduce((sum, s) => sum + s.acquired, 0)).toBe(1);
    expect(fleet.reduce((sum, s) => sum + s.waited, 0)).toBe(2);
    expect(fleet.reduce((sum, s) => sum + s.servedAfterWait, 0)).toBe(2);
    expect(caches.reduce((sum, cache) => sum + cache.stats().loads, 0)).toBe(1);
    await released('cold-1');
  });

  it('a failed load releases the lock and caches nothing; a waiting instance then loads', async () => {
    const [a, b] = [instance(), instance()];
    let calls = 0;
    // a fails only once b waits for it.
    const failing = async () => {
      calls += 1;
      await waitFor('b to wait', () => b.stats().fleetLock.waited === 1);
      throw new Error('upstream said no');
    };
    const first = a.getOrLoad('cold-2', failing);
    await heldBy('cold-2');
    const second = b.getOrLoad('cold-2', async () => {
      calls += 1;
      return entry('second try');
    });
    await expect(first).rejects.toThrow('upstream said no');
    expect((await second).bytes.toString()).toBe('second try');
    expect(calls).toBe(2);
    expect(b.stats().fleetLock.tookOver).toBe(1);
    expect(a.stats().loadFailures).toBe(1);
    await released('cold-2');
  });

  it('a holder that dies mid-load (no renewal, no release) is taken over once its lock expires', async () => {
    const ttlMs = 600;
    const dying = createTieredCache({
      memoryBytes: 1024 * 1024,
      store: createRedisStore(REDIS_URL, { prefix }),
      fleetLock: createRedisFleetLock(REDIS_URL, { prefix, ttlMs }),
    });
    const survivor = instance({ ttlMs });
    void dying.getOrLoad('cold-3', () => new Promise<CacheEntry>(() => {})).catch(() => {}); // hangs forever
    await heldBy('cold-3');
    await dying.close(); // closes its lock connections: the lock is no longer renewed
    const served = await survivor.getOrLoad('cold-3', async () => entry('taken over'));
    expect(served.bytes.toString()).toBe('taken over');
    // Taken over when the lock expired, not after giving up the wait (lockWaitMs 10 s): counted apart.
    expect(survivor.stats().fleetLock).toMatchObject({ waited: 1, tookOver: 1, waitTimeouts: 0 });
  });

  it('loads locally, and never fails, when the lock service is away', async () => {
    const cache = createTieredCache({
      memoryBytes: 1024 * 1024,
      store: createMemoryStore({ maxBytes: 1024 * 1024 }),
      fleetLock: createRedisFleetLock(`redis://127.0.0.1:${REFUSED_PORT}`, { prefix, connectTimeoutMs: 300 }),
    });
    opened.push(cache);
    expect((await cache.getOrLoad('cold-4', async () => entry('local'))).bytes.toString()).toBe('local');
    expect(cache.stats().fleetLock.unavailable).toBe(1);
    expect(cache.stats().loads).toBe(1);
  });

  it('gives up waiting on a stuck holder after lockWaitMs and loads itself', async () => {
    const stuck = instance();
    const impatient = instance({ waitMs: 300 });
    // Stuck until the impatient one has loaded, however long that takes.
    let unstick!: () => void;
    const stuckLoad = stuck.getOrLoad('cold-5', () => new Promise<void>((resolve) => (unstick = resolve)).then(() => entry('late')));
    await heldBy('cold-5');
    expect((await impatient.getOrLoad('cold-5', async () => entry('impatient'))).bytes.toString()).toBe('impatient');
    expect(impatient.stats().fleetLock.waitTimeouts).toBe(1);
    unstick();
    expect((await stuckLoad).bytes.toString()).toBe('late');
  });
});

describe('Redis settings check', () => {
  it('warns about an unbounded Redis and policies that can evict records', () => {
    expect(assessRedisSettings({ maxmemory: '1073741824', maxmemoryPolicy: 'noeviction' })).toEqual([]);
    expect(assessRedisSettings({ maxmemory: '0', maxmemoryPolicy: 'noeviction' })).toEqual([expect.stringMatching(/maxmemory is 0/)]);
    expect(assessRedisSettings({ maxmemory: '1000000', maxmemoryPolicy: 'allkeys-lru' })).toEqual([expect.stringMatching(/allkeys-lru.*token records/)]);
    expect(assessRedisSettings({ maxmemory: '1000000', maxmemoryPolicy: 'volatile-lru' })).toEqual([expect.stringMatching(/volatile-lru.*push receipts/)]);
    expect(assessRedisSettings({ maxmemory: '1000000', maxmemoryPolicy: 'allkeys-random' })).toHaveLength(1);
  });

  it('logs each warning, and only an info line when CONFIG is refused', async () => {
    const lines: string[] = [];
    const log = { warn: (_: object, msg: string) => lines.push(`warn ${msg}`), info: (_: object, msg: string) => lines.push(`info ${msg}`) };
    await checkRedisSettings(async () => ({ maxmemory: '0', maxmemoryPolicy: 'allkeys-lfu' }), log);
    expect(lines.filter((line) => line.startsWith('warn'))).toHaveLength(2);
    lines.length = 0;
    await checkRedisSettings(async () => Promise.reject(new Error("ERR unknown command 'CONFIG'")), log);
    expect(lines).toEqual([expect.stringMatching(/^info could not read/)]);
  });
});
