/**
 * Rebuilds the disk store's variant index at start: reads the header of every entry file (its key), and seeds
 * the counted ones oldest-modified first, deleting what no longer fits CACHE_MAX_MB. Off the request path.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CacheStore } from './cache-types.ts';
import { FRAME_HEAD_BYTES, readFrameKey } from './entry-frame.ts';
import { isKeptKey, type MemoryVariantIndex } from './variant-bound.ts';

/** Small files first read whole; larger ones only their head. */
const HEAD_READ_BYTES = Math.min(FRAME_HEAD_BYTES, 4096);

export async function seedDiskVariantIndex(dir: string, index: MemoryVariantIndex, store: Pick<CacheStore, 'delete'>): Promise<{ counted: number; evicted: number }> {
  const found: Array<{ key: string; bytes: number; mtimeMs: number }> = [];
  const shards = (await readdir(dir).catch(() => [] as string[])).filter((name) => /^[0-9a-f]{2}$/.test(name));
  for (const shard of shards) {
    const names = (await readdir(path.join(dir, shard)).catch(() => [] as string[])).filter((name) => /^[0-9a-f]{64}\.bin$/.test(name));
    for (const name of names) {
      const file = path.join(dir, shard, name);
      const entry = await readKey(file);
      if (entry && !isKeptKey(entry.key)) found.push(entry);
    }
  }
  found.sort((a, b) => a.mtimeMs - b.mtimeMs);
  let evicted = 0;
  for (const { key, bytes } of found) {
    for (const old of index.seed(key, bytes)) {
      evicted += 1;
      await store.delete(old).catch(() => {});
    }
  }
  return { counted: found.length, evicted };
}

async function readKey(file: string): Promise<{ key: string; bytes: number; mtimeMs: number } | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const info = await stat(file);
    const head = Buffer.alloc(Math.min(info.size, HEAD_READ_BYTES));
    await handle.read(head, 0, head.length, 0);
    let key = readFrameKey(head);
    if (key === undefined && info.size > head.length) {
      const longer = Buffer.alloc(Math.min(info.size, FRAME_HEAD_BYTES));
      await handle.read(longer, 0, longer.length, 0);
      key = readFrameKey(longer);
    }
    return key === undefined ? undefined : { key, bytes: info.size, mtimeMs: info.mtimeMs };
  } finally {
    await handle.close();
  }
}
