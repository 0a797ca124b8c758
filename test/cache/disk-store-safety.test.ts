/** Cache folder safety: symlinks never lead writes, reads or sweeps out of CACHE_DIR; orphaned temp files are swept. */
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskStore } from '../../src/cache/disk-store.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'card-art-disk-safety-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const shardOf = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 2);
const hostTag = hostname().replace(/[^A-Za-z0-9-]/g, '_').slice(0, 64) || 'host';
/** A pid that ran on this host and has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}
const tempName = (pid: number) => `.${'ab'.repeat(32)}.bin.${hostTag}.${pid}.${randomUUID()}.tmp`;

describe('disk store folder safety', () => {
  it('never writes through a symlinked shard folder, and never reads or deletes through one', async () => {
    const dir = path.join(root, 'symlinked');
    const outside = path.join(root, 'outside');
    await mkdir(dir, { recursive: true });
    await mkdir(outside, { recursive: true });
    const key = 'asset:victim';
    await symlink(outside, path.join(dir, shardOf(key)));
    const store = createDiskStore(dir);
    try {
      // The tiered cache treats a failed write as best effort; the store itself refuses it.
      await expect(store.set(key, { bytes: Buffer.from('payload'), meta: {} })).rejects.toMatchObject({ code: 'CACHE_PATH_UNSAFE' });
      expect(await readdir(outside)).toEqual([]);
      expect(await store.get(key)).toBeUndefined();
      // A file planted outside under the entry's name is neither served nor deleted.
      await writeFile(path.join(outside, path.basename(store.fileFor(key))), 'planted');
      expect(await store.get(key)).toBeUndefined();
      await store.delete(key).catch(() => {});
      expect(await readdir(outside)).toEqual([path.basename(store.fileFor(key))]);
    } finally {
      await store.close();
    }
  });

  it('does not follow a symlink planted where an entry file should be', async () => {
    const dir = path.join(root, 'file-link');
    const store = createDiskStore(dir);
    try {
      const key = 'asset:linked';
      await store.set('asset:other-in-same-folder', { bytes: Buffer.from('x'), meta: {} });
      await mkdir(path.dirname(store.fileFor(key)), { recursive: true });
      const secret = path.join(root, 'secret.txt');
      await writeFile(secret, 'secret');
      await symlink(secret, store.fileFor(key));
      expect(await store.get(key)).toBeUndefined();
      // A write replaces the link itself (rename), never the file it pointed at.
      await store.set(key, { bytes: Buffer.from('new'), meta: {} });
      expect((await store.get(key))?.bytes.toString()).toBe('new');
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(secret, 'utf8')).toBe('secret');
    } finally {
      await store.close();
    }
  });

  it('sweeps only inside the folder: temp-like files behind a symlinked shard survive', async () => {
    const dir = path.join(root, 'sweep-link');
    const outside = path.join(root, 'sweep-outside');
    await mkdir(dir, { recursive: true });
    await mkdir(outside, { recursive: true });
    await symlink(outside, path.join(dir, 'cd'));
    const planted = path.join(outside, tempName(deadPid()));
    await writeFile(planted, 'not ours');
    const hourAgo = new Date(Date.now() - 60 * 60 * 1000);
    await utimes(planted, hourAgo, hourAgo);
    const store = createDiskStore(dir);
    try {
      expect(await store.sweepStaleTempFiles()).toBe(0);
      expect(await readdir(outside)).toEqual([path.basename(planted)]);
    } finally {
      await store.close();
    }
  });

  it('sweeps a fresh temp file orphaned by a killed writer on this host at once, and periodically without a restart', async () => {
    const dir = path.join(root, 'orphans');
    const shard = path.join(dir, 'ab');
    await mkdir(shard, { recursive: true });
    const orphan = path.join(shard, tempName(deadPid()));
    const live = path.join(shard, tempName(process.pid));
    await writeFile(orphan, 'half an entry');
    await writeFile(live, 'being written');
    const store = createDiskStore(dir, { sweepIntervalMs: 50 });
    try {
      // The start-up sweep removes the dead writer's file even though it is seconds old; ours stays.
      for (let waited = 0; (await readdir(shard)).includes(path.basename(orphan)) && waited < 5000; waited += 25) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await readdir(shard)).toEqual([path.basename(live)]);
      // A later orphan goes on the next periodic sweep.
      const later = path.join(shard, tempName(deadPid()));
      await writeFile(later, 'another');
      for (let waited = 0; (await readdir(shard)).includes(path.basename(later)) && waited < 5000; waited += 25) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await readdir(shard)).toEqual([path.basename(live)]);
    } finally {
      await store.close();
    }
  });
});
