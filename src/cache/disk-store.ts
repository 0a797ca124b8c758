/**
 * The embedded persistent tier: one file per entry under the cache dir, through Keyv.
 * File names are sha256(key) (sharded by its first two hex digits), so no key can name a path outside
 * the folder. Writes go to a temp file in the same folder, are fsynced (except rendered images, see
 * fsyncsByDefault), then renamed over the target, so a reader sees the old file, the new file or none — never
 * half a file; after a power loss an unsynced file may be torn, which its checksum reads as a miss.
 */
import { randomUUID, createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { access, constants, lstat, mkdir, open, readdir, realpath, rename, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { CacheStore } from './cache-types.ts';
import { CardArtError } from '../errors.ts';
import { maxFrameBytes } from './entry-frame.ts';
import { FramedEntryAdapter, type BlobAdapter } from './framed-entry-adapter.ts';
import { createKeyvCacheStore } from './keyv-cache-store.ts';

/** 32 MiB: well above a 1536×969 PNG or a multi-entry PDF asset, far below memory trouble. */
export const DEFAULT_MAX_ENTRY_BYTES = 32 * 1024 * 1024;
/** 10 s: a local disk answers in milliseconds; this only catches a hung network mount. */
export const DEFAULT_DISK_OPERATION_TIMEOUT_MS = 10_000;
/** 10 minutes: far longer than any single write, so a temp file this old belongs to a process that died. */
export const STALE_TEMP_FILE_MS = 10 * 60 * 1000;
/** Every 10 minutes: temp files orphaned by a killed instance go within two sweeps, not only at the next start. */
export const TEMP_SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** Temp files are named `.<hash>.bin.<host>.<pid>.<uuid>.tmp`, so a sweep can tell its own host's dead writers. */
const HOST_TAG = hostname().replace(/[^A-Za-z0-9-]/g, '_').slice(0, 64) || 'host';
const TEMP_NAME = /^\.[0-9a-f]{64}\.bin\.(?:([A-Za-z0-9_-]+)\.)?(\d+)\.[0-9a-f-]{36}\.tmp$/;
/** Writes and reads never follow a symlink at the file itself (the folders are checked by their resolved path). */
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

export interface DiskStoreOptions {
  maxEntryBytes?: number;
  operationTimeoutMs?: number;
  /** fsync each file before the rename (default fsyncsByDefault: all but rendered images); false only for throwaway caches. */
  fsync?: boolean | ((key: string) => boolean);
  /** How often orphaned temp files are swept (default TEMP_SWEEP_INTERVAL_MS). */
  sweepIntervalMs?: number;
}

/** Rendered images are keyed by a bare SHA-256 hex (cache-keys.ts renderCacheKey, assetRenderCacheKey). */
const RENDERED_IMAGE_KEY = /^[0-9a-f]{64}$/;

/**
 * Everything but rendered images is fsynced: a rendered image is re-derived from cached inputs in milliseconds,
 * and a torn file fails its checksum and reads as a miss, so its fsync (~1 ms of a cold card) buys nothing.
 */
export function fsyncsByDefault(key: string): boolean {
  return !RENDERED_IMAGE_KEY.test(key);
}

/** Files of byte blobs named by the hash of their key; a keyv-shaped adapter without any JSON. */
export class DiskBlobAdapter extends EventEmitter implements BlobAdapter {
  readonly dir: string;
  readonly opts: { dir: string; maxBlobBytes: number; fsync: boolean | ((key: string) => boolean) };
  #shardsMade = new Set<string>();

  constructor(dir: string, opts: { maxBlobBytes: number; fsync: boolean | ((key: string) => boolean) }) {
    super();
    this.dir = path.resolve(dir);
    this.opts = { dir: this.dir, ...opts };
  }

  /** Path of the file holding `key`. */
  fileFor(key: string): string {
    const hash = createHash('sha256').update(key, 'utf8').digest('hex');
    return path.join(this.dir, hash.slice(0, 2), `${hash}.bin`);
  }

  /** The resolved cache folder (the folder itself may be a symlink an operator chose; what is under it may not lead out). */
  #root: Promise<string> | undefined;

  async #resolvedRoot(): Promise<string> {
    this.#root ??= realpath(this.dir).catch((error: unknown) => {
      this.#root = undefined;
      throw error;
    });
    return this.#root;
  }

  /**
   * Throws CACHE_PATH_UNSAFE unless the shard `folder` (always `<dir>/<2 hex>`) is a real directory. An entry of the
   * cache folder that lstat calls a directory (not a symlink) lies inside the folder's real path by construction,
   * so one lstat is the whole check (a realpath walks every component: 5–7 syscalls on each cold read).
   */
  async #assertInside(folder: string): Promise<void> {
    if (path.dirname(folder) !== this.dir || !(await lstat(folder)).isDirectory()) {
      throw new CardArtError('CACHE_PATH_UNSAFE', 'a cache shard folder leads outside the cache folder');
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    let handle;
    try {
      await this.#assertInside(path.dirname(this.fileFor(key)));
      handle = await open(this.fileFor(key), constants.O_RDONLY | NO_FOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // A symlink where an entry or its shard should be is no entry (and never read through).
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
      if ((error as { code?: string }).code === 'CACHE_PATH_UNSAFE') return undefined;
      throw error;
    }
    try {
      // Read at most one byte past the bound: an oversized file then fails its checksum like any corruption.
      const limit = this.opts.maxBlobBytes + 1;
      const { size } = await handle.stat();
      const buffer = Buffer.allocUnsafe(Math.min(size, limit));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async set(key: string, value: Buffer): Promise<boolean> {
    const file = this.fileFor(key);
    const shard = path.dirname(file);
    if (!this.#shardsMade.has(shard)) {
      await mkdir(shard, { recursive: true });
      // A shard that is (or resolves through) a symlink out of the folder is never written into.
      await this.#assertInside(shard);
      this.#shardsMade.add(shard);
    }
    const temp = path.join(shard, `.${path.basename(file)}.${HOST_TAG}.${process.pid}.${randomUUID()}.tmp`);
    try {
      const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NO_FOLLOW, 0o644);
      try {
        await handle.writeFile(value);
        const { fsync } = this.opts;
        if (typeof fsync === 'function' ? fsync(key) : fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      // The shard folder may have been removed under us (clear, manual cleanup): recreate next time.
      this.#shardsMade.delete(shard);
      throw error;
    }
    return true;
  }

  async delete(key: string): Promise<boolean> {
    try {
      await this.#assertInside(path.dirname(this.fileFor(key)));
      await unlink(this.fileFor(key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** Removes the shard folders this adapter writes, nothing else in the directory. */
  async clear(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await Promise.all(
      names.filter((name) => /^[0-9a-f]{2}$/.test(name)).map((name) => rm(path.join(this.dir, name), { recursive: true, force: true })),
    );
    this.#shardsMade.clear();
  }

  /**
   * Removes temp files that a killed process left behind. Only old ones: another live instance sharing the
   * folder may be writing a fresh one right now.
   */
  async sweepStaleTempFiles(olderThanMs = STALE_TEMP_FILE_MS, now = Date.now()): Promise<number> {
    let removed = 0;
    const root = await this.#resolvedRoot().catch(() => undefined);
    if (!root) return 0;
    const shards = await readdir(root).catch(() => [] as string[]);
    for (const shard of shards.filter((name) => /^[0-9a-f]{2}$/.test(name))) {
      const folder = path.join(root, shard);
      // Only real shard folders inside the cache folder: a symlinked one is never swept (nor written).
      const folderInfo = await lstat(folder).catch(() => undefined);
      if (!folderInfo?.isDirectory()) continue;
      const names = await readdir(folder).catch(() => [] as string[]);
      for (const name of names.filter((n) => n.startsWith('.') && n.endsWith('.tmp'))) {
        const match = TEMP_NAME.exec(name);
        const file = path.join(folder, name);
        const info = await lstat(file).catch(() => undefined);
        if (!info?.isFile()) continue;
        // A writer on this host that no longer runs left it for good; other hosts' files only when old.
        const deadWriter = !!match && match[1] === HOST_TAG && Number(match[2]) !== process.pid && !isAlive(Number(match[2]));
        if ((deadWriter || now - info.mtimeMs > olderThanMs) && (await unlink(file).then(() => true, () => false))) removed += 1;
      }
    }
    return removed;
  }

  async disconnect(): Promise<void> {}

  /** The folder exists (created if missing) and is writable. */
  async ping(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await access(this.dir, constants.R_OK | constants.W_OK);
  }
}

export type DiskStore = CacheStore & {
  clear(): Promise<void>;
  fileFor(key: string): string;
  sweepStaleTempFiles(olderThanMs?: number): Promise<number>;
};

export function createDiskStore(dir: string, opts: DiskStoreOptions = {}): DiskStore {
  const maxEntryBytes = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const blobs = new DiskBlobAdapter(dir, { maxBlobBytes: maxFrameBytes(maxEntryBytes), fsync: opts.fsync ?? fsyncsByDefault });
  const store = createKeyvCacheStore({
    name: 'disk',
    adapter: new FramedEntryAdapter(blobs, { maxEntryBytes }),
    operationTimeoutMs: opts.operationTimeoutMs ?? DEFAULT_DISK_OPERATION_TIMEOUT_MS,
    ping: () => blobs.ping(),
    close: async () => {},
  });
  // Best effort and off the request path, at start and then periodically: a failed sweep leaves files for the next.
  const sweep = () => void blobs.sweepStaleTempFiles().catch(() => {});
  sweep();
  const sweeper = setInterval(sweep, opts.sweepIntervalMs ?? TEMP_SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    ...store,
    async close() {
      clearInterval(sweeper);
      await store.close();
    },
    fileFor: (key) => blobs.fileFor(key),
    sweepStaleTempFiles: (olderThanMs) => blobs.sweepStaleTempFiles(olderThanMs),
  };
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
