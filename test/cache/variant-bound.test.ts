/**
 * CACHE_MAX_MB: rendered variants in the persistent tier are bounded (LRU), assets are kept. Before, the tier
 * grew without bound from client-chosen `text` (188 MB in 30 s from one client), every random account range
 * persisted a file, and with Redis at maxmemory + noeviction failing writes tripped the breaker reads use
 * (64 of 100 reads of entries still in Redis were re-rendered).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TEST_REDIS_URL, useTestRedis } from '../support/test-redis.ts';
import { createDiskStore } from '../../src/cache/disk-store.ts';
import { seedDiskVariantIndex } from '../../src/cache/disk-variant-scan.ts';
import { createRedisStore } from '../../src/cache/redis-store.ts';
import { createRedisVariantIndex } from '../../src/cache/redis-variant-index.ts';
import { createTieredCache } from '../../src/cache/tiered-cache.ts';
import { boundVariants, createMemoryVariantIndex, isKeptKey } from '../../src/cache/variant-bound.ts';
import type { SharedRedisClient } from '../../src/service/shared-redis.ts';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.ts';

const KB = 1024;
/** A rendered-variant key, as the service makes them (sha256 hex of the render inputs). */
const v = (n: number) => createHash('sha256').update(`variant-${n}`).digest('hex');
const entry = (size: number, tag = 'x') => ({ bytes: Buffer.alloc(size, tag), meta: { contentType: 'image/png' } });

async function folderBytes(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const shard of (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
    for (const name of await readdir(path.join(dir, shard))) {
      files += 1;
      bytes += (await stat(path.join(dir, shard, name))).size;
    }
  }
  return { files, bytes };
}

describe('which keys count', () => {
  test('assets and data are kept; rendered variants and per-range requestor lists are counted', () => {
    expect(isKeptKey('asset:bg-1')).toBe(true);
    expect(isKeptKey('requestor-asset:logo')).toBe(true);
    expect(isKeptKey('0f'.repeat(32))).toBe(false);
    expect(isKeptKey('token-requestors:522222000')).toBe(false);
    expect(isKeptKey('requestor-logo:1:logo:192:png')).toBe(false);
    // Data that is not a cache (token records) and anything unknown is never evicted.
    expect(isKeptKey('token:DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45')).toBe(true);
    expect(isKeptKey('ntu-request:123')).toBe(true);
  });
});

describe('disk store with a 200 KB bound', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'card-art-variant-bound-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a flood of 100 × 10 KB variants leaves at most 200 KB of them, the most recently used, and every asset', async () => {
    const store = boundVariants(createDiskStore(dir, { fsync: false }), createMemoryVariantIndex(200 * KB));
    for (let i = 0; i < 5; i++) await store.set(`asset:a-${i}`, entry(10 * KB, 'a'));
    await store.set(v(0), entry(10 * KB));
    for (let i = 1; i < 100; i++) {
      await store.set(v(i), entry(10 * KB));
      if (i % 10 === 0) expect(await store.get(v(0))).toBeDefined(); // used often: never the least recent
    }
    const { files, bytes } = await folderBytes(dir);
    console.log(`disk flood: 100 variants × 10 KB + 5 assets → ${files} files, ${Math.round(bytes / KB)} KB on disk (bound 200 KB)`);
    expect(await store.variantBytes()).toBeLessThanOrEqual(200 * KB);
    expect(bytes).toBeLessThanOrEqual(200 * KB + 5 * 11 * KB);
    for (let i = 0; i < 5; i++) expect(await store.get(`asset:a-${i}`)).toBeDefined();
    expect(await store.get(v(99))).toBeDefined();
    expect(await store.get(v(0))).toBeDefined();
    expect(await store.get(v(1))).toBeUndefined();
    expect(store.variantStats().evictions).toBeGreaterThanOrEqual(80);
  });

  test('a restart with a smaller bound indexes what is there and evicts the oldest', async () => {
    const index = createMemoryVariantIndex(50 * KB);
    const store = createDiskStore(dir, { fsync: false });
    const { counted, evicted } = await seedDiskVariantIndex(dir, index, store);
    expect(counted).toBeGreaterThanOrEqual(15);
    expect(evicted).toBe(counted - 4); // four 10 KB variants (plus headers) fit in 50 KB
    expect((await folderBytes(dir)).files).toBe(5 + 4);
    expect(await store.get('asset:a-0')).toBeDefined();
  });
});

describe('Redis store with a shared index', () => {
  const { prefix, admin } = useTestRedis();
  const client = admin as unknown as SharedRedisClient;

  test('two instances sharing the index keep the variants of both within the bound', async () => {
    const stores = [0, 1].map(() =>
      boundVariants(createRedisStore(TEST_REDIS_URL, { prefix }), createRedisVariantIndex(client, { prefix, maxBytes: 200 * KB })),
    );
    for (let i = 0; i < 5; i++) await stores[0]!.set(`asset:r-${i}`, entry(10 * KB));
    for (let i = 0; i < 100; i++) await stores[i % 2]!.set(v(i), entry(10 * KB));
    const variantKeys = (await client.keys(`${prefix}*`)).filter((k) => /^[0-9a-f]{64}$/.test(k.slice(prefix.length))).length;
    console.log(`redis flood: 100 variants × 10 KB from 2 instances → ${variantKeys} variant keys, ${Math.round((await stores[0]!.variantBytes()) / KB)} KB counted (bound 200 KB)`);
    expect(await stores[1]!.variantBytes()).toBeLessThanOrEqual(200 * KB);
    expect(variantKeys).toBeLessThanOrEqual(20);
    expect(await stores[1]!.get(v(99))).toBeDefined();
    expect(await stores[0]!.get(v(0))).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(await stores[1]!.get(`asset:r-${i}`)).toBeDefined();
    for (const store of stores) await store.close();
  });
});

describe('Redis at maxmemory with noeviction', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await startRedisServer(['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction']);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  test('failing writes open the write breaker only: entries still in Redis are read, not re-rendered', async () => {
    const store = createRedisStore(redis.url, { prefix: 'card-art-test:' });
    // Fill Redis until it refuses writes.
    const held: string[] = [];
    for (let i = 0; i < 200; i++) {
      try {
        await store.set(`held-${i}`, entry(20 * KB));
        held.push(`held-${i}`);
      } catch {
        break;
      }
    }
    expect(held.length).toBeGreaterThan(20);
    expect(held.length).toBeLessThan(200);

    // A fresh instance (empty memory tier) that keeps trying to write new renders while reading held ones.
    const cache = createTieredCache({ memoryBytes: 64 * KB, store });
    let rerenders = 0;
    for (let i = 0; i < 100; i++) {
      await cache.getOrLoad(`new-${i}`, async () => entry(20 * KB)); // a render whose write fails
      await cache.getOrLoad(held[i % held.length]!, async () => {
        rerenders += 1;
        return entry(20 * KB);
      });
    }
    const stats = cache.stats();
    console.log(
      `noeviction: ${held.length} entries held; 100 reads of them after failing writes → ${rerenders} re-rendered; ` +
        `write breaker ${stats.persistentWriteCircuit}, read breaker ${stats.persistentCircuit}, ${stats.persistentWriteFailures} writes failed`,
    );
    expect(stats.persistentWriteFailures).toBeGreaterThan(0);
    expect(rerenders).toBe(0);
    expect(stats.persistentCircuit).toBe('closed');
    await cache.close();
  }, 30_000);
});
