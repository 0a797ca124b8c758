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
import { freePort } from '../support/free-port.ts';

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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True once the lock key is gone (a release runs just after the load's callers are answered), false after 2 s. */
async function lockReleased(key: string): Promise<boolean> {
  for (const deadline = Date.now() + 2000; Date.now() < deadline; await sleep(5)) {
    if ((await admin.exists(`${prefix}lock:${key}`)) === 0) return true;
  }
  return false;
}

afterAll(async () => {
  await Promise.all(opened.map((cache) => cache.close()));
});

describe('fleet-wide single flight', () => {
  it('loads a cold key once across three instances; the others are served the entry from the store', async () => {
    const caches = [instance(), instance(), instance()];
    let loads = 0;
    const load = async () => {
      loads += 1;
      await sleep(300);
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
    expect(await lockReleased('cold-1')).toBe(true);
  });

  it('a failed load releases the lock and caches nothing; a waiting instance then loads', async () => {
    const [a, b] = [instance(), instance()];
    let calls = 0;
    const failing = async () => {
      calls += 1;
      await sleep(200);
      throw new Error('upstream said no');
    };
    const first = a.getOrLoad('cold-2', failing);
    const deadline = Date.now() + 2000; // until a holds the lock
    while ((await admin.exists(`${prefix}lock:cold-2`)) === 0 && Date.now() < deadline) await sleep(5);
    const second = b.getOrLoad('cold-2', async () => {
      calls += 1;
      return entry('second try');
    });
    await expect(first).rejects.toThrow('upstream said no');
    expect((await second).bytes.toString()).toBe('second try');
    expect(calls).toBe(2);
    expect(b.stats().fleetLock.tookOver).toBe(1);
    expect(a.stats().loadFailures).toBe(1);
    expect(await lockReleased('cold-2')).toBe(true);
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
    const deadline = Date.now() + 2000;
    while ((await admin.exists(`${prefix}lock:cold-3`)) === 0 && Date.now() < deadline) await sleep(10);
    await dying.close(); // closes its lock connections: the lock is no longer renewed
    const diedAt = Date.now();
    const served = await survivor.getOrLoad('cold-3', async () => entry('taken over'));
    const takeoverMs = Date.now() - diedAt;
    expect(served.bytes.toString()).toBe('taken over');
    expect(survivor.stats().fleetLock.tookOver).toBe(1);
    expect(takeoverMs).toBeLessThan(ttlMs + 2000);
  });

  it('loads locally, and never fails, when the lock service is away', async () => {
    const cache = createTieredCache({
      memoryBytes: 1024 * 1024,
      store: createMemoryStore({ maxBytes: 1024 * 1024 }),
      fleetLock: createRedisFleetLock(`redis://127.0.0.1:${await freePort()}`, { prefix, connectTimeoutMs: 300 }),
    });
    opened.push(cache);
    expect((await cache.getOrLoad('cold-4', async () => entry('local'))).bytes.toString()).toBe('local');
    expect(cache.stats().fleetLock.unavailable).toBe(1);
    expect(cache.stats().loads).toBe(1);
  });

  it('gives up waiting on a stuck holder after lockWaitMs and loads itself', async () => {
    const stuck = instance();
    const impatient = instance({ waitMs: 300 });
    void stuck.getOrLoad('cold-5', () => sleep(3000).then(() => entry('late')));
    const deadline = Date.now() + 2000; // until the stuck one holds the lock
    while ((await admin.exists(`${prefix}lock:cold-5`)) === 0 && Date.now() < deadline) await sleep(5);
    expect((await impatient.getOrLoad('cold-5', async () => entry('impatient'))).bytes.toString()).toBe('impatient');
    expect(impatient.stats().fleetLock.waitTimeouts).toBe(1);
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
