/** The fleet lock against the real Redis at 127.0.0.1:6379 (own key prefix, cleaned up). */
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL as REDIS_URL, useTestRedis } from '../support/test-redis.ts';
import { createRedisFleetLock, type RedisFleetLock } from '../../src/cache/redis-fleet-lock.ts';
import { REFUSED_PORT } from '../support/free-port.ts';
import { watchLoopDelay } from '../support/loop-delay.ts';
import { waitFor } from '../hardening/harness.ts';

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
    // Their own prefix, so the release channel has exactly these two subscribers.
    const own = `${prefix}wake:`;
    const a = createRedisFleetLock(REDIS_URL, { prefix: own, ttlMs: 2000 });
    const b = createRedisFleetLock(REDIS_URL, { prefix: own, ttlMs: 2000 });
    opened.push(a, b);
    const held = await a.tryAcquire('k2');
    // Both subscribe when made; Redis says when they have (a fixed pause would miss a slow subscription).
    await waitFor('both to subscribe', async () => (await admin.pubSubNumSub(`${own}lock-released`))[`${own}lock-released`] === 2);
    // A poll timeout of 10 minutes: only the release notice can end this wait within the 20 s given to it.
    const woke = b.waitForRelease('k2', 10 * 60_000).then(() => 'woken');
    await held!.release();
    const noNotice = new Promise((resolve) => setTimeout(resolve, 20_000, 'no release notice in 20 s').unref());
    expect(await Promise.race([woke, noNotice])).toBe('woken');
    expect(await b.tryAcquire('k2')).toBeDefined();
  });

  it('is renewed while held, so it outlives its TTL', async () => {
    // Renewed every 400 ms: it is lost only if this process stalls for 800 ms, which a TTL of 600 ms (200 ms
    // renewals, 400 ms of stall) made possible on a loaded machine.
    const a = lockClient(1200);
    const b = lockClient(1200);
    const held = await a.tryAcquire('k3');
    await new Promise((resolve) => setTimeout(resolve, 3000));
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
    expect(await next.tryAcquire('k4')).toBeUndefined();
    // It only runs down from at most its TTL (nobody renews it), then another owner takes it.
    const ttlAfterDeath = await admin.pTTL(dying.lockKeyOf('k4'));
    expect(ttlAfterDeath).toBeGreaterThan(0);
    expect(ttlAfterDeath).toBeLessThanOrEqual(600);
    let taken;
    let ttl = ttlAfterDeath;
    let renewed = false;
    const deadline = Date.now() + 20_000;
    while (!(taken = await next.tryAcquire('k4')) && Date.now() < deadline) {
      const now = await admin.pTTL(dying.lockKeyOf('k4'));
      if (now > ttl) renewed = true;
      ttl = now;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(renewed).toBe(false);
    expect(taken).toBeDefined();
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
    await waitFor('the renewal to find the usurper', () => held!.lost);
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
    const dead = createRedisFleetLock(`redis://127.0.0.1:${REFUSED_PORT}`, { prefix, connectTimeoutMs: 300 });
    opened.push(dead);
    // One refused connection, no retries: well within 2 s, plus however long a busy machine held this process up.
    const stalls = watchLoopDelay();
    const started = performance.now();
    await expect(dead.tryAcquire('k7')).rejects.toThrow();
    const elapsedMs = performance.now() - started;
    expect(elapsedMs).toBeLessThan(2000 + stalls.stop());
    const waitStarted = Date.now();
    await dead.waitForRelease('k7', 100); // never rejects: it is only a bounded sleep without Redis
    expect(Date.now() - waitStarted).toBeGreaterThanOrEqual(90);
  });
});

