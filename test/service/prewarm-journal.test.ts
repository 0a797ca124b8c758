import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useTestRedis } from '../support/test-redis.ts';
import { createAssetPrewarmer } from '../../src/service/asset-prewarmer.ts';
import { createFileJournal, createRedisJournal, PREWARM_JOURNAL_FILE } from '../../src/service/prewarm-journal.ts';
import type { SharedRedisClient } from '../../src/service/shared-redis.ts';
import { waitFor } from '../hardening/harness.ts';

const log = pino({ level: 'silent' });

describe('file journal', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'card-art-journal-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('is on disk before add() resolves, survives a new instance, and forgets what is done', async () => {
    const journal = createFileJournal(dir);
    expect(await journal.add(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(JSON.parse(await readFile(path.join(dir, PREWARM_JOURNAL_FILE), 'utf8'))).toEqual(['a', 'b', 'c']);
    expect(await journal.add(['b', 'd'])).toEqual(['d']);
    await journal.done('a');
    const reopened = createFileJournal(dir);
    expect((await reopened.pending()).sort()).toEqual(['b', 'c', 'd']);
  });

  test('a prewarmer resumes what an earlier one accepted and did not finish', async () => {
    const journal = createFileJournal(dir);
    const loaded: string[] = [];
    const prewarmer = createAssetPrewarmer({ isCached: async () => false, load: async (id) => loaded.push(id), log, journal });
    expect(await prewarmer.resume()).toBe(3);
    await prewarmer.idle();
    expect(loaded.sort()).toEqual(['b', 'c', 'd']);
    // The journal is written after each fetch, in the background: waited for, not given a fixed pause.
    await waitFor('the journal to empty', async () => (await createFileJournal(dir).pending()).length === 0, 10_000);
  });
});

describe('Redis journal (CACHE_URL)', () => {
  const { prefix, admin } = useTestRedis();
  const client = admin as unknown as SharedRedisClient;

  test('two instances accepting the same IDs fetch each one once', async () => {
    const fetched: string[] = [];
    const instances = [0, 1].map(() =>
      createAssetPrewarmer({
        isCached: async () => false,
        load: async (id) => {
          fetched.push(id);
          await new Promise((resolve) => setTimeout(resolve, 20));
        },
        log,
        journal: createRedisJournal(client, { prefix }),
      }),
    );
    const ids = Array.from({ length: 30 }, (_, i) => `shared-${i}`);
    const results = await Promise.all(instances.map((instance) => instance.prewarm(ids)));
    expect(results.map((r) => r.queued.length)).toEqual([30, 30]);
    await Promise.all(instances.map((instance) => instance.idle()));
    expect(fetched.sort()).toEqual([...ids].sort());
    await waitFor('the journal to empty', async () => (await createRedisJournal(client, { prefix }).pending()).length === 0, 10_000);
  });
});
