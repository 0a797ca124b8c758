/**
 * Where accepted pre-warm IDs are kept until fetched, so a 202 survives a restart: a JSON file in the cache
 * folder (written to a temp file, fsynced and renamed before the 202 goes out), or a Redis set shared by
 * every instance (CACHE_URL), which also keeps two instances from queueing the same ID.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { SharedRedisClient } from './shared-redis.ts';

export const PREWARM_JOURNAL_FILE = 'prewarm-queue.json';

export interface PrewarmJournal {
  /** Records `ids` as accepted; resolves those newly recorded (an ID already pending is not queued twice). */
  add(ids: string[]): Promise<string[]>;
  /** Forgets an ID once its fetch settled. */
  done(id: string): Promise<void>;
  /** Every ID still pending (at start: what an earlier run accepted and did not finish). */
  pending(): Promise<string[]>;
}

export function createFileJournal(dir: string): PrewarmJournal {
  const file = path.join(dir, PREWARM_JOURNAL_FILE);
  let ids: Set<string> | undefined;
  // Writes run one after another; each writes the whole (small, bounded) set.
  let writing: Promise<void> = Promise.resolve();

  async function load(): Promise<Set<string>> {
    if (ids) return ids;
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
      ids = new Set(Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : []);
    } catch {
      ids = new Set();
    }
    return ids;
  }

  function persist(): Promise<void> {
    const write = writing.then(async () => {
      const snapshot = JSON.stringify([...(ids ?? [])]);
      await mkdir(dir, { recursive: true });
      const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
      try {
        const handle = await open(temp, 'wx');
        try {
          await handle.writeFile(snapshot);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
      } catch (error) {
        await unlink(temp).catch(() => {});
        throw error;
      }
    });
    writing = write.catch(() => {});
    return write;
  }

  return {
    async add(newIds) {
      const set = await load();
      const added = newIds.filter((id) => !set.has(id));
      if (added.length === 0) return [];
      for (const id of added) set.add(id);
      await persist();
      return added;
    },
    async done(id) {
      const set = await load();
      if (set.delete(id)) await persist();
    },
    async pending() {
      return [...(await load())];
    },
  };
}

/** SADD of each ID, answering which ones were not in the set yet. */
const ADD_NEW = `
local added = {}
for i, id in ipairs(ARGV) do
  if redis.call('SADD', KEYS[1], id) == 1 then table.insert(added, id) end
end
return added
`;

export function createRedisJournal(client: SharedRedisClient, options: { prefix: string }): PrewarmJournal {
  const key = `${options.prefix}prewarm:pending`;
  return {
    async add(ids) {
      if (ids.length === 0) return [];
      const added = await client.eval(ADD_NEW, { keys: [key], arguments: ids });
      return Array.isArray(added) ? added.map(String) : [];
    },
    async done(id) {
      await client.sRem(key, id);
    },
    async pending() {
      return (await client.sMembers(key)).map(String);
    },
  };
}
