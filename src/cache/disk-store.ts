/**
 * The embedded persistent tier: one file per entry under the cache dir, through Keyv.
 * File names are sha256(key) (sharded by its first two hex digits), so no key can name a path outside
 * the folder. Writes go to a temp file in the same folder, are fsynced (except rendered images, see
 * fsyncsByDefault), then renamed over the target, so a reader sees the old file, the new file or none — never
 * half a file; after a power loss an unsynced file may be torn, which its checksum reads as a miss.
 * Entries of the families written with a TTL (isExpiringKey: handled NTU requests, push receipts) live in shards of
 * their own (`t<2 hex>`), which a sweep on a schedule reads for expired frames, so they go even when never read again.
 */
import { randomUUID, createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { access, constants, lstat, mkdir, open, readdir, realpath, rename, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { CacheStore } from './cache-types.ts';
import { isExpiringKey } from '../cache-keys.ts';
import { CardArtError } from '../errors.ts';
import { maxFrameBytes, readFrameHeader } from './entry-frame.ts';
import { EXPIRES_META, FramedEntryAdapter, type BlobAdapter } from './framed-entry-adapter.ts';
import { createKeyvCacheStore } from './keyv-cache-store.ts';

/** 32 MiB: well above a 1536×969 PNG or a multi-entry PDF asset, far below memory trouble. */
export const DEFAULT_MAX_ENTRY_BYTES = 32 * 1024 * 1024;
/** 10 s: a local disk answers in milliseconds; this only catches a hung network mount. */
export const DEFAULT_DISK_OPERATION_TIMEOUT_MS = 10_000;
/** 10 minutes: far longer than any single write, so a temp file this old belongs to a process that died. */
export const STALE_TEMP_FILE_MS = 10 * 60 * 1000;
/**
 * Every 10 minutes: temp files orphaned by a killed instance go within two sweeps, not only at the next start, and an
 * expired entry (a 24 h NTU request record, a 15 min push receipt) at most 10 minutes after its expiry.
 */
export const TEMP_SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** A frame's header (key and a few meta strings) fits in its first 4 KiB; the sweep reads no more of an entry. */
const SWEEP_HEAD_BYTES = 4096;
/** Shard folders: `<2 hex>` for entries kept until deleted, `t<2 hex>` for entries that expire. */
const SHARD_NAME = /^t?[0-9a-f]{2}$/;
const EXPIRING_SHARD_NAME = /^t[0-9a-f]{2}$/;
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
  /** How often orphaned temp files and expired entries are swept (default TEMP_SWEEP_INTERVAL_MS). */
  sweepIntervalMs?: number;
  /** Keys written with a TTL, kept apart so the sweep finds them (default isExpiringKey). */
  expiringKey?: (key: string) => boolean;
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
  readonly opts: {
    dir: string;
    maxBlobBytes: number;
    fsync: boolean | ((key: string) => boolean);
    expiringKey: (key: string) => boolean;
  };
  #shardsMade = new Set<string>();

  constructor(dir: string, opts: { maxBlobBytes: number; fsync: boolean | ((key: string) => boolean); expiringKey?: (key: string) => boolean }) {
    super();
    this.dir = path.resolve(dir);
    this.opts = { dir: this.dir, expiringKey: isExpiringKey, ...opts };
  }

  /** Path of the file holding `key`. */
  fileFor(key: string): string {
    const hash = createHash('sha256').update(key, 'utf8').digest('hex');
    return path.join(this.dir, `${this.opts.expiringKey(key) ? 't' : ''}${hash.slice(0, 2)}`, `${hash}.bin`);
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
   * Throws CACHE_PATH_UNSAFE unless the shard `folder` (always `<dir>/<shard>`) is a real directory. An entry of the
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
    await Promise.all(names.filter((name) => SHARD_NAME.test(name)).map((name) => rm(path.join(this.dir, name), { recursive: true, force: true })));
    this.#shardsMade.clear();
  }

  /**
   * Removes temp files that a killed process left behind. Only old ones: another live instance sharing the
   * folder may be writing a fresh one right now.
   */
  async sweepStaleTempFiles(olderThanMs = STALE_TEMP_FILE_MS, now = Date.now()): Promise<number> {
    let removed = 0;
    for await (const file of this.#filesInShards(SHARD_NAME, (name) => name.startsWith('.') && name.endsWith('.tmp'))) {
      const match = TEMP_NAME.exec(path.basename(file));
      const info = await lstat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      // A writer on this host that no longer runs left it for good; other hosts' files only when old.
      const deadWriter = !!match && match[1] === HOST_TAG && Number(match[2]) !== process.pid && !isAlive(Number(match[2]));
      if ((deadWriter || now - info.mtimeMs > olderThanMs) && (await unlink(file).then(() => true, () => false))) removed += 1;
    }
    return removed;
  }

  /**
   * Deletes the entries of the expiring shards whose expiry (in their frame's header) has passed: written with a
   * TTL, they would otherwise stay until read again, which a handled NTU request or a push receipt rarely is.
   */
  async sweepExpiredEntries(now = Date.now()): Promise<number> {
    let removed = 0;
    for await (const file of this.#filesInShards(EXPIRING_SHARD_NAME, (name) => /^[0-9a-f]{64}\.bin$/.test(name))) {
      const expires = Number((await readHeadOf(file))?.meta[EXPIRES_META]);
      if (Number.isFinite(expires) && expires <= now && (await unlink(file).then(() => true, () => false))) removed += 1;
    }
    return removed;
  }

  /** The files whose names pass `wanted` in the shard folders named like `shardName`, for the sweeps. */
  async *#filesInShards(shardName: RegExp, wanted: (name: string) => boolean): AsyncGenerator<string> {
    const root = await this.#resolvedRoot().catch(() => undefined);
    if (!root) return;
    for (const shard of (await readdir(root).catch(() => [] as string[])).filter((name) => shardName.test(name))) {
      const folder = path.join(root, shard);
      // Only real shard folders inside the cache folder: a symlinked one is never swept (nor written).
      if (!(await lstat(folder).catch(() => undefined))?.isDirectory()) continue;
      for (const name of (await readdir(folder).catch(() => [] as string[])).filter(wanted)) yield path.join(folder, name);
    }
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
  sweepExpiredEntries(now?: number): Promise<number>;
};

export function createDiskStore(dir: string, opts: DiskStoreOptions = {}): DiskStore {
  const maxEntryBytes = opts.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  const blobs = new DiskBlobAdapter(dir, {
    maxBlobBytes: maxFrameBytes(maxEntryBytes),
    fsync: opts.fsync ?? fsyncsByDefault,
    ...(opts.expiringKey ? { expiringKey: opts.expiringKey } : {}),
  });
  const store = createKeyvCacheStore({
    name: 'disk',
    adapter: new FramedEntryAdapter(blobs, { maxEntryBytes }),
    operationTimeoutMs: opts.operationTimeoutMs ?? DEFAULT_DISK_OPERATION_TIMEOUT_MS,
    ping: () => blobs.ping(),
    close: async () => {},
  });
  // Best effort and off the request path, at start and then periodically: a failed sweep leaves files for the next.
  const sweep = () => void blobs.sweepStaleTempFiles().then(() => blobs.sweepExpiredEntries()).catch(() => {});
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
    sweepExpiredEntries: (now) => blobs.sweepExpiredEntries(now),
  };
}

/** The header of the entry file `file` (from its first SWEEP_HEAD_BYTES), without following a symlink. */
async function readHeadOf(file: string): Promise<ReturnType<typeof readFrameHeader>> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | NO_FOLLOW);
  } catch {
    return undefined; // gone meanwhile, or a symlink: not an entry to sweep
  }
  try {
    const head = Buffer.alloc(SWEEP_HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return readFrameHeader(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
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
