import { randomUUID } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_REDIS_URL as REDIS_URL, useTestRedis } from '../support/test-redis.ts';
import { createRedisStore } from '../../src/cache/redis-store.ts';
import { createTieredCache } from '../../src/cache/tiered-cache.ts';
import { ALL_BYTE_VALUES, runCacheStoreContract } from './cache-store-contract.ts';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.ts';

const { prefix, admin } = useTestRedis();

runCacheStoreContract('redis store', () => createRedisStore(REDIS_URL, { prefix }));

describe('redis store', () => {
  it('stores raw bytes (no base64) under its own prefix', async () => {
    const store = createRedisStore(REDIS_URL, { prefix });
    await store.set('raw', { bytes: ALL_BYTE_VALUES, meta: {} });
    const raw = await admin.withTypeMapping({ 36: Buffer }).get(`${prefix}raw`);
    expect(Buffer.isBuffer(raw)).toBe(true);
    expect((raw as Buffer).includes(ALL_BYTE_VALUES)).toBe(true);
    expect((raw as Buffer).length).toBeLessThan(ALL_BYTE_VALUES.length + 200);
    await store.close();
  });

  it('reads a corrupt value as a miss and drops it', async () => {
    const store = createRedisStore(REDIS_URL, { prefix });
    // Zero bytes, so writing XXXX over some of them always changes the entry (random ones could already read XXXX).
    await store.set('spoilt', { bytes: Buffer.alloc(1000), meta: {} });
    await admin.setRange(`${prefix}spoilt`, 500, 'XXXX');
    expect(await store.get('spoilt')).toBeUndefined();
    expect(await admin.exists(`${prefix}spoilt`)).toBe(0);
    await admin.set(`${prefix}garbage`, 'not a frame');
    expect(await store.get('garbage')).toBeUndefined();
    expect(store.corruptEntries?.()).toBe(2);
    await store.close();
  });

  it('clears only its own prefix', async () => {
    const own = `${prefix}clear-${randomUUID()}:`;
    const store = createRedisStore(REDIS_URL, { prefix: own });
    await store.set('a', { bytes: Buffer.from('a'), meta: {} });
    await admin.set(`${prefix}bystander`, 'keep');
    await store.clear();
    expect(await store.get('a')).toBeUndefined();
    expect(await admin.get(`${prefix}bystander`)).toBe('keep');
    await store.close();
  });
});

describe('redis outage', () => {
  it('fails fast against a dead port, and the cache still serves from memory and the loader', async () => {
    const store = createRedisStore('redis://127.0.0.1:1', { prefix, connectTimeoutMs: 500, commandTimeoutMs: 500 });
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });
    await expect(store.ping()).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });

    const warnings: object[] = [];
    const cache = createTieredCache({ memoryBytes: 1024 * 1024, store, log: { warn: (obj) => warnings.push(obj) } });
    let loads = 0;
    const load = async () => {
      loads += 1;
      return { bytes: Buffer.from('fresh'), meta: {} };
    };
    for (let i = 0; i < 20; i++) {
      expect((await cache.getOrLoad('asset:a', load)).bytes.toString()).toBe('fresh');
      expect((await cache.getOrLoad(`asset:${i}`, load)).bytes.toString()).toBe('fresh');
    }
    expect(loads).toBe(21);
    const stats = cache.stats();
    expect(stats.persistent.errors).toBeGreaterThan(0);
    expect(stats.persistentSkipped).toBeGreaterThan(0); // the breaker stopped asking the dead store
    expect(warnings).toHaveLength(1);
    await expect(cache.ping()).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });
    await cache.close();
  });

  describe('with a redis-server that goes away mid-test', () => {
    let server: RedisServerProcess;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      await server.stop();
    });

    it('keeps serving memory-held keys, counts store errors, never throws, and recovers when Redis is back', async () => {
      // The default command deadline: a shorter one could take a Redis this busy machine merely starves for a stalled one.
      const store = createRedisStore(server.url, { prefix, connectTimeoutMs: 500 });
      let now = 0;
      const cache = createTieredCache({ memoryBytes: 1024 * 1024, store, breakerOpenMs: 1000, now: () => now });
      let loads = 0;
      const load = (text: string) => async () => {
        loads += 1;
        return { bytes: Buffer.from(text), meta: { text } };
      };
      await cache.set('asset:held', { bytes: Buffer.from('held'), meta: {} });
      expect(await store.get('asset:held')).toBeDefined();

      await server.stop();
      expect((await cache.getOrLoad('asset:held', load('x'))).bytes.toString()).toBe('held');
      for (let i = 0; i < 10; i++) {
        expect((await cache.getOrLoad(`asset:new-${i}`, load(`new-${i}`))).bytes.toString()).toBe(`new-${i}`);
      }
      expect(loads).toBe(10);
      expect(cache.stats().persistent.errors).toBeGreaterThan(0);
      expect(cache.stats().persistentCircuit).toBe('open');
      await expect(cache.ping()).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });

      await server.start();
      now += 1000; // past breakerOpenMs: the next call probes the store again
      await expect.poll(() => store.ping().then(() => true, () => false), { timeout: 10_000, interval: 100 }).toBe(true);
      await cache.set('asset:after', { bytes: Buffer.from('after'), meta: {} });
      // Writes and reads have a breaker each; the write closed one, the next read closes the other.
      expect(cache.stats().persistentWriteCircuit).toBe('closed');
      expect(await cache.get('asset:never-written')).toBeUndefined();
      expect(cache.stats().persistentCircuit).toBe('closed');
      expect((await store.get('asset:after'))?.bytes.toString()).toBe('after');
      await cache.close();
    });

    it('gives up on a hung server after the command timeout instead of waiting for it', async () => {
      // Written with time to spare; the store under test (300 ms) is connected first, retried until it answers, so
      // only the freeze below can make it time out.
      const writer = createRedisStore(server.url, { prefix, connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
      await writer.set('hung', { bytes: Buffer.from('v'), meta: {} });
      await writer.close();
      const store = createRedisStore(server.url, { prefix, connectTimeoutMs: 300, commandTimeoutMs: 300 });
      await expect.poll(() => store.ping().then(() => true, () => false), { timeout: 10_000, interval: 100 }).toBe(true);
      const cache = createTieredCache({ memoryBytes: 1024 * 1024, store });
      server.pause();
      try {
        await expect(store.get('hung')).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });
        await expect(store.ping()).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });
        const entry = await cache.getOrLoad('hung', async () => ({ bytes: Buffer.from('from loader'), meta: {} }));
        expect(entry.bytes.toString()).toBe('from loader');
        expect(cache.stats().persistent.errors).toBeGreaterThanOrEqual(1);
      } finally {
        server.resume();
      }
      // Once thawed, Redis answers again (and has by then run the writes it was sent, so either value is fine).
      await expect
        .poll(async () => (await store.get('hung').catch(() => undefined))?.bytes.toString(), { timeout: 10_000, interval: 100 })
        .toMatch(/^(v|from loader)$/);
      await cache.close();
    });

    it('survives its connection being killed (CLIENT KILL) between commands', async () => {
      const store = createRedisStore(server.url, { prefix, connectTimeoutMs: 500 });
      await store.set('k', { bytes: Buffer.from('v'), meta: {} });
      const killer = createClient({ url: server.url });
      await killer.connect();
      await killer.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
      await killer.close();
      const cache = createTieredCache({ memoryBytes: 1024 * 1024, store });
      // Right after the kill the store may fail once; the cache answers from the loader and never throws.
      const entry = await cache.getOrLoad('k', async () => ({ bytes: Buffer.from('v'), meta: {} }));
      expect(entry.bytes.toString()).toBe('v');
      await expect.poll(async () => (await store.get('k').catch(() => undefined))?.bytes.toString(), { timeout: 10_000, interval: 100 }).toBe('v');
      await cache.close();
    });
  });
});
