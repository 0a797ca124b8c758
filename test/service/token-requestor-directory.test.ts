import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createDiskStore } from '../../src/cache/disk-store.ts';
import { createTieredCache } from '../../src/cache/tiered-cache.ts';
import { describe, expect, test } from 'vitest';
import { createTokenRequestorDirectory } from '../../src/service/token-requestor-directory.ts';
import type { EligibleTokenRequestorsResponse } from '../../src/upstream/asset-source.ts';

const HOUR = 3_600_000;

/** A scripted upstream: each call answers the next name, or fails when told to. */
function scriptedSource() {
  const calls: string[][] = [];
  let next = 0;
  let failing = false;
  return {
    calls,
    fail(on: boolean) {
      failing = on;
    },
    async getEligibleTokenRequestors(ranges: string[]): Promise<EligibleTokenRequestorsResponse> {
      calls.push(ranges);
      next += 1;
      if (failing) throw new Error('upstream down');
      const name = `list-${next}`;
      return { tokenRequestors: [{ tokenRequestorId: name, name, imageAssetId: 'logo', tokenRequestorType: 'WALLET' }] };
    },
  };
}

describe('createTokenRequestorDirectory', () => {
  test('caches per normalized set of ranges and refreshes after the interval, serving stale meanwhile', async () => {
    let now = 0;
    const source = scriptedSource();
    const directory = createTokenRequestorDirectory({ source, refreshIntervalMs: 336 * HOUR, log: pino({ level: 'silent' }), now: () => now });

    const first = await directory.get(['522222000', '222300001', '522222000']);
    expect(first.tokenRequestors[0]?.name).toBe('list-1');
    expect(source.calls).toEqual([['222300001', '522222000']]);
    expect((await directory.get(['222300001', '522222000'])).tokenRequestors[0]?.name).toBe('list-1');
    expect(source.calls).toHaveLength(1);

    now = 336 * HOUR;
    const stale = await directory.get(['522222000', '222300001']);
    expect(stale.tokenRequestors[0]?.name).toBe('list-1');
    expect(source.calls).toHaveLength(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await directory.get(['522222000', '222300001'])).tokenRequestors[0]?.name).toBe('list-2');
  });

  test('a failed refresh keeps the previous list; a failed first fetch is an error and is not cached', async () => {
    let now = 0;
    const source = scriptedSource();
    const directory = createTokenRequestorDirectory({ source, refreshIntervalMs: HOUR, log: pino({ level: 'silent' }), now: () => now });
    await directory.get(['522222000']);
    source.fail(true);
    now = 2 * HOUR;
    expect((await directory.get(['522222000'])).tokenRequestors[0]?.name).toBe('list-1');
    await new Promise((resolve) => setImmediate(resolve));
    expect((await directory.get(['522222000'])).tokenRequestors[0]?.name).toBe('list-1');

    await expect(directory.get(['999999999'])).rejects.toThrow('upstream down');
    source.fail(false);
    expect((await directory.get(['999999999'])).tokenRequestors).toHaveLength(1);
  });

  test('a list persisted by an earlier run is served after a restart while the upstream is down', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'card-art-requestors-'));
    try {
      const source = scriptedSource();
      const firstCache = createTieredCache({ memoryBytes: 1 << 20, store: createDiskStore(dir) });
      const first = createTokenRequestorDirectory({ source, refreshIntervalMs: HOUR, log: pino({ level: 'silent' }), persist: firstCache });
      await first.get(['522222000']);
      await firstCache.close();

      source.fail(true);
      const secondCache = createTieredCache({ memoryBytes: 1 << 20, store: createDiskStore(dir) });
      const second = createTokenRequestorDirectory({ source, refreshIntervalMs: HOUR, log: pino({ level: 'silent' }), persist: secondCache });
      const restored = await second.get(['522222000']);
      expect(restored.tokenRequestors[0]?.name).toBe('list-1');
      expect(source.calls).toHaveLength(1);
      await secondCache.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
