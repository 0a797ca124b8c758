import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/cache/cache-types.ts';
import { createPersistentStore } from '../../src/cache/create-store.ts';
import { createDiskStore } from '../../src/cache/disk-store.ts';
import { createTieredCache } from '../../src/cache/tiered-cache.ts';

let root: string;
let dirCount = 0;
const freshDir = () => path.join(root, `cache-${dirCount++}`);
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'card-art-tiered-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const MB = 1024 * 1024;

function countingLoader(make: (call: number) => CacheEntry | Promise<CacheEntry>) {
  const loader = async () => {
    loader.calls += 1;
    // Yield so concurrent callers really overlap the load.
    await new Promise((resolve) => setImmediate(resolve));
    return make(loader.calls);
  };
  loader.calls = 0;
  return loader;
}

describe('tiered cache', () => {
  it('runs the loader once for 100 concurrent callers of one cold key', async () => {
    const cache = createTieredCache({ memoryBytes: 8 * MB, store: createDiskStore(freshDir()) });
    const bytes = randomBytes(10_000);
    const load = countingLoader(() => ({ bytes, meta: { kind: 'png' } }));
    const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad('asset:cold', load)));
    expect(load.calls).toBe(1);
    for (const result of results) expect(result.bytes.equals(bytes)).toBe(true);
    const stats = cache.stats();
    expect(stats.loads).toBe(1);
    expect(stats.coalescedWaits).toBe(99);
    expect(stats.persistent.misses).toBe(1);
    await cache.close();
  });

  it('does not cache a failed load: every waiter sees the failure, the next call retries', async () => {
    const cache = createTieredCache({ memoryBytes: 8 * MB, store: createDiskStore(freshDir()) });
    const load = countingLoader((call) => {
      if (call === 1) throw new Error('upstream down');
      return { bytes: Buffer.from('ok'), meta: {} };
    });
    const first = await Promise.allSettled(Array.from({ length: 100 }, () => cache.getOrLoad('asset:flaky', load)));
    expect(first.every((r) => r.status === 'rejected' && (r.reason as Error).message === 'upstream down')).toBe(true);
    expect(load.calls).toBe(1);
    expect(await cache.get('asset:flaky')).toBeUndefined();
    expect((await cache.getOrLoad('asset:flaky', load)).bytes.toString()).toBe('ok');
    expect(load.calls).toBe(2);
    expect(cache.stats().loadFailures).toBe(1);
    await cache.close();
  });

  it('survives a restart: a second cache over the same dir serves with zero loader calls', async () => {
    const dir = freshDir();
    const entries = Array.from({ length: 20 }, (_, i) => ({ bytes: randomBytes(5000 + i), meta: { i: String(i) } }));
    const first = createTieredCache({ memoryBytes: 8 * MB, store: createPersistentStore({ cacheDir: dir }) });
    for (const [i, entry] of entries.entries()) await first.getOrLoad(`asset:${i}`, async () => entry);
    await first.close();

    const second = createTieredCache({ memoryBytes: 8 * MB, store: createPersistentStore({ cacheDir: dir }) });
    const load = countingLoader(() => ({ bytes: Buffer.from('wrong'), meta: {} }));
    for (const [i, entry] of entries.entries()) {
      const got = await second.getOrLoad(`asset:${i}`, load);
      expect(got.bytes.equals(entry.bytes)).toBe(true);
      expect(got.meta).toEqual(entry.meta);
    }
    expect(load.calls).toBe(0);
    // Store reads fill memory: asking again hits tier 1.
    await second.getOrLoad('asset:0', load);
    const stats = second.stats();
    expect(stats.persistent.hits).toBe(20);
    expect(stats.memory.hits).toBe(1);
    await second.close();
  });

  it('a delete right after a load undoes its background write: a restart does not bring the entry back', async () => {
    const dir = freshDir();
    const first = createTieredCache({ memoryBytes: 8 * MB, store: createPersistentStore({ cacheDir: dir }) });
    await first.getOrLoad('asset:bad', async () => ({ bytes: randomBytes(200_000), meta: {} }));
    await first.delete('asset:bad'); // at once: the fsync'd write is still pending
    await first.close();

    const second = createTieredCache({ memoryBytes: 8 * MB, store: createPersistentStore({ cacheDir: dir }) });
    const load = countingLoader(() => ({ bytes: Buffer.from('fresh'), meta: {} }));
    expect((await second.getOrLoad('asset:bad', load)).bytes.toString()).toBe('fresh');
    expect(load.calls).toBe(1);
    await second.close();
  });

  it('treats a flipped or truncated file as a miss, reloads, and writes a good copy back', async () => {
    const dir = freshDir();
    const bytes = randomBytes(30_000);
    const store = createDiskStore(dir);
    const writer = createTieredCache({ memoryBytes: 8 * MB, store });
    await writer.getOrLoad('asset:flip', async () => ({ bytes, meta: { kind: 'png' } }));
    await writer.getOrLoad('asset:cut', async () => ({ bytes, meta: { kind: 'png' } }));
    await writer.close();

    const flipFile = store.fileFor('asset:flip');
    const raw = await readFile(flipFile);
    raw[100] ^= 0x01;
    await writeFile(flipFile, raw);
    const cutFile = store.fileFor('asset:cut');
    await writeFile(cutFile, (await readFile(cutFile)).subarray(0, 12_345));

    const reader = createTieredCache({ memoryBytes: 8 * MB, store: createDiskStore(dir) });
    const load = countingLoader(() => ({ bytes, meta: { kind: 'png' } }));
    expect((await reader.getOrLoad('asset:flip', load)).bytes.equals(bytes)).toBe(true);
    expect((await reader.getOrLoad('asset:cut', load)).bytes.equals(bytes)).toBe(true);
    expect(load.calls).toBe(2);
    expect(reader.stats().persistentCorrupt).toBe(2);
    await reader.close();

    const third = createTieredCache({ memoryBytes: 8 * MB, store: createDiskStore(dir) });
    const never = countingLoader(() => ({ bytes: Buffer.alloc(0), meta: {} }));
    expect((await third.getOrLoad('asset:flip', never)).bytes.equals(bytes)).toBe(true);
    expect((await third.getOrLoad('asset:cut', never)).bytes.equals(bytes)).toBe(true);
    expect(never.calls).toBe(0);
    await third.close();
  });

  it('keeps memory within its byte bound under a stream of distinct large entries', async () => {
    const cache = createTieredCache({ memoryBytes: 4 * MB });
    const chunk = randomBytes(300 * 1024);
    for (let i = 0; i < 100; i++) {
      await cache.getOrLoad(`render:${i}`, async () => ({ bytes: chunk, meta: {} }));
      expect(cache.stats().memoryBytes).toBeLessThanOrEqual(4 * MB);
    }
    expect(cache.stats().memoryEntries).toBeLessThan(14);
    expect(cache.stats().loads).toBe(100);
    await cache.close();
  });

  it('degrades to memory + loader when the store fails: counted, one warning, breaker skips the store', async () => {
    const notADir = path.join(root, 'a-file');
    await writeFile(notADir, 'x');
    const warnings: Array<{ obj: object; msg: string }> = [];
    let now = 0;
    const cache = createTieredCache({
      memoryBytes: 8 * MB,
      store: createDiskStore(notADir),
      log: { warn: (obj, msg) => warnings.push({ obj, msg }) },
      breakerFailureThreshold: 3,
      breakerOpenMs: 5000,
      now: () => now,
    });
    const load = countingLoader((call) => ({ bytes: Buffer.from(`v${call}`), meta: {} }));
    for (let i = 0; i < 10; i++) await cache.getOrLoad(`asset:${i}`, load);
    expect(load.calls).toBe(10);
    let stats = cache.stats();
    // 3 failed reads open the circuit (their 3 writes run in the background and are skipped or fail).
    expect(stats.persistent.errors).toBeGreaterThanOrEqual(3);
    expect(stats.persistentSkipped).toBeGreaterThan(0);
    expect(stats.persistentCircuit).toBe('open');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ store: 'disk' });

    // Served from memory without touching the store.
    expect((await cache.getOrLoad('asset:0', load)).bytes.toString()).toBe('v1');
    expect(load.calls).toBe(10);

    now += 5000;
    expect(cache.stats().persistentCircuit).toBe('half-open');
    await cache.getOrLoad('asset:probe', load); // the probe fails again: open once more
    stats = cache.stats();
    expect(stats.persistentCircuit).toBe('open');
    now += 30_000;
    await cache.getOrLoad('asset:late', load);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]!.obj).toMatchObject({ suppressedSinceLastWarning: expect.any(Number) });
    await expect(cache.ping()).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });
    await cache.close();
  });

  it('keeps an entry too large for the store in memory and counts the write as failed', async () => {
    const cache = createTieredCache({ memoryBytes: 8 * MB, store: createDiskStore(freshDir(), { maxEntryBytes: 1000 }) });
    const entry = await cache.getOrLoad('asset:big', async () => ({ bytes: randomBytes(2000), meta: {} }));
    expect((await cache.get('asset:big'))?.bytes.equals(entry.bytes)).toBe(true);
    await cache.close();
    expect(cache.stats().persistentWriteFailures).toBe(1);
    expect(cache.stats().persistentCircuit).toBe('closed');
  });

  it('lets an aborted caller stop waiting while the shared load completes for the others', async () => {
    const cache = createTieredCache({ memoryBytes: 8 * MB });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      await gate;
      return { bytes: Buffer.from('done'), meta: {} };
    };
    const controller = new AbortController();
    const aborted = cache.getOrLoad('asset:slow', load, { signal: controller.signal });
    const patient = cache.getOrLoad('asset:slow', load);
    controller.abort(new Error('client went away'));
    await expect(aborted).rejects.toThrow('client went away');
    release();
    expect((await patient).bytes.toString()).toBe('done');
    expect((await cache.get('asset:slow'))?.bytes.toString()).toBe('done');
    await cache.close();
  });

  it('sets, gets and deletes through both tiers; rejects a loader that returns no entry', async () => {
    const dir = freshDir();
    const cache = createTieredCache({ memoryBytes: 8 * MB, store: createDiskStore(dir) });
    await cache.set('k', { bytes: Buffer.from('v'), meta: { a: 'b' } });
    const other = createTieredCache({ memoryBytes: 8 * MB, store: createDiskStore(dir) });
    expect((await other.get('k'))?.meta).toEqual({ a: 'b' });
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
    await expect(cache.getOrLoad('bad', async () => undefined as unknown as CacheEntry)).rejects.toMatchObject({ code: 'CACHE_LOAD_INVALID' });
    await expect(cache.ping()).resolves.toBeUndefined();
    await cache.close();
    await other.close();
  });
});
