import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskStore } from '../../src/cache/disk-store.ts';
import { ALL_BYTE_VALUES, runCacheStoreContract } from './cache-store-contract.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'card-art-disk-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

runCacheStoreContract('disk store', () => createDiskStore(path.join(root, 'contract')));

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('disk store files', () => {
  it('keeps every file inside the cache dir, named by hash, with the raw bytes unencoded', async () => {
    const dir = path.join(root, 'layout');
    const store = createDiskStore(dir);
    await store.set('../../escape', { bytes: ALL_BYTE_VALUES, meta: { kind: 'png' } });
    await store.set('/etc/passwd', { bytes: Buffer.from('x'), meta: {} });
    const files = await listFiles(dir);
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(path.relative(dir, file)).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{64}\.bin$/);
    }
    const raw = await readFile(store.fileFor('../../escape'));
    expect(raw.includes(ALL_BYTE_VALUES)).toBe(true); // not base64
    expect(await readdir(root)).not.toContain('escape');
  });

  it('leaves no temp files behind after writes', async () => {
    const dir = path.join(root, 'temps');
    const store = createDiskStore(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${i % 5}`, { bytes: randomBytes(10_000), meta: {} })));
    const files = await listFiles(dir);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(5);
  });

  it('sweeps temp files a killed process left behind, but not fresh ones another writer may own', async () => {
    const dir = path.join(root, 'sweep');
    const store = createDiskStore(dir);
    await store.set('kept', { bytes: Buffer.from('kept'), meta: {} });
    const shard = path.join(dir, 'ab');
    await mkdir(shard, { recursive: true });
    const stale = path.join(shard, '.ab12.bin.999999.dead.tmp');
    const fresh = path.join(shard, '.ab34.bin.999999.live.tmp');
    await writeFile(stale, randomBytes(1000));
    await writeFile(fresh, randomBytes(1000));
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
    await utimes(stale, hourAgo, hourAgo);

    expect(await store.sweepStaleTempFiles()).toBe(1);
    const files = await listFiles(dir);
    expect(files).toContain(fresh);
    expect(files).not.toContain(stale);
    expect((await store.get('kept'))?.bytes.toString()).toBe('kept');
  });

  it('sweeps expired NTU request records and push receipts on its schedule, never read again (issue #22 row 5)', async () => {
    const dir = path.join(root, 'expiring');
    const store = createDiskStore(dir, { fsync: false });
    const day = 24 * 3_600_000;
    await store.set('ntu-request:r1', { bytes: Buffer.alloc(0), meta: { responseId: 'a' } }, { ttlMs: day });
    await store.set('ntu-payload:d1', { bytes: Buffer.alloc(0), meta: { responseId: 'a' } }, { ttlMs: day });
    await store.set('push-receipt:MCC-1', { bytes: Buffer.from('{}'), meta: {} }, { ttlMs: 15 * 60_000 });
    await store.set('token:DWSPMC1', { bytes: Buffer.from('{}'), meta: {} });
    // Expiring families live in shards of their own, the rest where they always did.
    expect(path.relative(dir, store.fileFor('ntu-request:r1'))).toMatch(/^t[0-9a-f]{2}\/[0-9a-f]{64}\.bin$/);
    expect(path.relative(dir, store.fileFor('token:DWSPMC1'))).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{64}\.bin$/);
    expect(await store.get('ntu-request:r1')).toBeDefined();

    expect(await store.sweepExpiredEntries(Date.now())).toBe(0);
    expect(await store.sweepExpiredEntries(Date.now() + 20 * 60_000)).toBe(1); // the receipt's 15 minutes are over
    expect(await store.sweepExpiredEntries(Date.now() + day + 60_000)).toBe(2);
    const left = (await listFiles(dir)).map((file) => path.relative(dir, file));
    expect(left).toEqual([path.relative(dir, store.fileFor('token:DWSPMC1'))]);
    expect(await store.get('token:DWSPMC1')).toBeDefined();
    await store.close();
  });

  it('treats a flipped byte, a truncation, an empty file and garbage as a miss, and drops the file', async () => {
    const dir = path.join(root, 'corrupt');
    const store = createDiskStore(dir);
    const bytes = randomBytes(50_000);
    const damage: Record<string, (file: string) => Promise<void>> = {
      flipped: async (file) => {
        const raw = await readFile(file);
        raw[raw.length >> 1] ^= 0xff;
        await writeFile(file, raw);
      },
      truncated: async (file) => truncate(file, (await stat(file)).size - 100),
      headerOnly: async (file) => truncate(file, 20),
      empty: async (file) => writeFile(file, ''),
      garbage: async (file) => writeFile(file, randomBytes(4096)),
      metaEdited: async (file) => {
        const raw = await readFile(file);
        const at = raw.indexOf('"png"');
        raw.write('"svg"', at, 'latin1');
        await writeFile(file, raw);
      },
    };
    for (const [name, spoil] of Object.entries(damage)) {
      await store.set(name, { bytes, meta: { kind: 'png' } });
      await spoil(store.fileFor(name));
      expect(await store.get(name), name).toBeUndefined();
      await expect(stat(store.fileFor(name))).rejects.toMatchObject({ code: 'ENOENT' });
    }
    expect(store.corruptEntries?.()).toBe(Object.keys(damage).length);
  });

  it('rejects an entry above its bound with CACHE_ENTRY_TOO_LARGE and reads an oversized file as a miss', async () => {
    const dir = path.join(root, 'bounded');
    const small = createDiskStore(dir, { maxEntryBytes: 1024 });
    await expect(small.set('big', { bytes: Buffer.alloc(1025), meta: {} })).rejects.toMatchObject({ code: 'CACHE_ENTRY_TOO_LARGE' });
    const large = createDiskStore(dir, { maxEntryBytes: 200_000 });
    await large.set('big', { bytes: randomBytes(100_000), meta: {} });
    expect(await small.get('big')).toBeUndefined();
  });

  it('fails (rejects CACHE_STORE_UNAVAILABLE) when its folder cannot be used', async () => {
    const notADir = path.join(root, 'plain-file');
    await writeFile(notADir, 'x');
    const store = createDiskStore(notADir);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });
    await expect(store.set('k', { bytes: Buffer.from('x'), meta: {} })).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });
    await expect(store.ping()).rejects.toMatchObject({ code: 'CACHE_STORE_UNAVAILABLE' });
  });
});

describe('disk store fsync', () => {
  it('fsyncs every entry but rendered images (bare sha256 keys, re-derivable)', async () => {
    const { fsyncsByDefault } = await import('../../src/cache/disk-store.ts');
    expect(fsyncsByDefault('a'.repeat(64))).toBe(false);
    expect(fsyncsByDefault('asset:123')).toBe(true);
    expect(fsyncsByDefault('token-requestors:5')).toBe(true);
    expect(fsyncsByDefault('A'.repeat(64))).toBe(true);
  });

  it('asks the fsync policy about each key it writes', async () => {
    const asked: string[] = [];
    const store = createDiskStore(path.join(root, 'fsync-policy'), { fsync: (key) => (asked.push(key), true) });
    await store.set('asset:x', { bytes: Buffer.from('x'), meta: {} });
    await store.set('b'.repeat(64), { bytes: Buffer.from('y'), meta: {} });
    expect(asked).toEqual(['asset:x', 'b'.repeat(64)]);
    expect((await store.get('b'.repeat(64)))?.bytes.toString()).toBe('y');
    await store.close();
  });
});
