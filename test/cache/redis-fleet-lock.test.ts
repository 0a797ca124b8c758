/** The fleet lock against the real Redis at 127.0.0.1:6379 (own key prefix, cleaned up). */
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL as REDIS_URL, useTestRedis } from '../support/test-redis.ts';
import { createRedisFleetLock, type RedisFleetLock } from '../../src/cache/redis-fleet-lock.ts';
import { freePort } from '../support/free-port.ts';

const { prefix, admin } = useTestRedis();
const opened: RedisFleetLock[] = [];

function lockClient(ttlMs = 2000): RedisFleetLock {
  const lock = createRedisFleetLock(REDIS_URL, { prefix, ttlMs });
  opened.push(lock);
  return lock;
}

afterAll(async () => {
  await Promise.all(opened.map((lock) => lock.close()));
});

describe('redis fleet lock', () => {
  it('is held by one owner at a time, stores a host:pid:uuid token with a TTL, and is free again after release', async () => {
    const a = lockClient();
    const b = lockClient();
    const held = await a.tryAcquire('k1');
    expect(held).toBeDefined();
    expect(await b.tryAcquire('k1')).toBeUndefined();
    expect(await a.tryAcquire('k1')).toBeUndefined(); // not re-entrant: one load per key
    const token = await admin.get(a.lockKeyOf('k1'));
    expect(token).toMatch(new RegExp(`:${process.pid}:[0-9a-f-]{36}$`));
    const pttl = await admin.pTTL(a.lockKeyOf('k1'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(2000);
    await held!.release();
    expect(await admin.exists(a.lockKeyOf('k1'))).toBe(0);
    const again = await b.tryAcquire('k1');
    expect(again).toBeDefined();
    await again!.release();
  });

  it('wakes a waiter on another connection as soon as the holder releases (pub/sub), well before its poll timeout', async () => {
    const a = lockClient();
    const b = lockClient();
    const held = await a.tryAcquire('k2');
    // Subscribe first (the first wait subscribes), then wait for real.
    await b.waitForRelease('k2', 200);
    const started = Date.now();
    const woke = b.waitForRelease('k2', 10_000);
    setTimeout(() => void held!.release(), 100);
    await woke;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await b.tryAcquire('k2')).toBeDefined();
  });

  it('is renewed while held, so it outlives its TTL', async () => {
    const a = lockClient(600);
    const b = lockClient(600);
    const held = await a.tryAcquire('k3');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(held!.lost).toBe(false);
    expect(await b.tryAcquire('k3')).toBeUndefined();
    await held!.release();
    expect(await b.tryAcquire('k3')).toBeDefined();
  });

  it('expires on its own when its holder stops renewing (dies), and then another owner takes it', async () => {
    const dying = lockClient(600);
    const next = lockClient(600);
    expect(await dying.tryAcquire('k4')).toBeDefined();
    await dying.close(); // the holder "dies": no renewal, no release
    const diedAt = Date.now();
    expect(await next.tryAcquire('k4')).toBeUndefined();
    let taken;
    const deadline = Date.now() + 5000;
    while (!(taken = await next.tryAcquire('k4')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(taken).toBeDefined();
    expect(Date.now() - diedAt).toBeLessThan(5000);
    await taken!.release();
  });

  it("releases only its own token: a holder whose lock expired and was retaken does not delete the new owner's", async () => {
    const old = lockClient(5000);
    const next = lockClient(5000);
    const held = await old.tryAcquire('k5');
    await admin.del(old.lockKeyOf('k5')); // as if it had expired while its holder stalled
    const taken = await next.tryAcquire('k5');
    expect(taken).toBeDefined();
    const nextToken = await admin.get(next.lockKeyOf('k5'));
    await held!.release();
    expect(await admin.get(next.lockKeyOf('k5'))).toBe(nextToken);
    await taken!.release();
    expect(await admin.exists(next.lockKeyOf('k5'))).toBe(0);
  });

  it('marks a lock as lost when a renewal finds another owner', async () => {
    const a = lockClient(600);
    const held = await a.tryAcquire('k6');
    await admin.set(a.lockKeyOf('k6'), 'usurper', { expiration: { type: 'PX', value: 5000 } });
    const deadline = Date.now() + 3000;
    while (!held!.lost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(held!.lost).toBe(true);
    await held!.release();
    expect(await admin.get(a.lockKeyOf('k6'))).toBe('usurper');
  });

  it('reads maxmemory and maxmemory-policy with CONFIG GET', async () => {
    const settings = await lockClient().readSettings();
    expect(settings.maxmemory).toMatch(/^\d+$/);
    expect(settings.maxmemoryPolicy).toMatch(/^[a-z-]+$/);
  });

  it('rejects quickly when Redis is not there (the cache then loads locally)', async () => {
    const dead = createRedisFleetLock(`redis://127.0.0.1:${await freePort()}`, { prefix, connectTimeoutMs: 300 });
    opened.push(dead);
    const started = Date.now();
    await expect(dead.tryAcquire('k7')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    const waitStarted = Date.now();
    await dead.waitForRelease('k7', 100); // never rejects: it is only a bounded sleep without Redis
    expect(Date.now() - waitStarted).toBeGreaterThanOrEqual(90);
  });
});
