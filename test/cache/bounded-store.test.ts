/**
 * The running service with CACHE_MAX_MB=1: a flood of random-text cards and random account ranges from several
 * client addresses leaves the cache folder at about 1 MB plus the assets. Before: 188 MB in 30 s from one client.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mapConcurrent, rawRequest } from '../hardening/harness.ts';
import { CARD, makeServiceFixtures, type ServiceFixtures } from '../service/service-fixtures.ts';
import { startTestService, type TestService } from '../service/service-harness.ts';

const MB = 1024 * 1024;

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const shard of (await readdir(dir).catch(() => [] as string[])).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
    for (const name of await readdir(path.join(dir, shard))) bytes += (await stat(path.join(dir, shard, name))).size;
  }
  return bytes;
}

let fixtures: ServiceFixtures;
let service: TestService;
beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  service = await startTestService(fixtures.dir, { CACHE_MAX_MB: '1' });
});
afterAll(async () => {
  await service?.close();
  await fixtures?.cleanup();
});

describe('CACHE_MAX_MB on a running service', () => {
  test('80 random-text cards and 60 random account ranges leave about 1 MB of variants on disk', async () => {
    const assetsOnly = await (async () => {
      expect((await rawRequest(service.baseUrl, { path: `/v1/card-art?${new URLSearchParams({ ...CARD, width: '1536' })}` })).status).toBe(200);
      return folderBytes(service.cacheDir);
    })();
    let rendered = 0;
    await mapConcurrent(Array.from({ length: 80 }, (_, i) => i), 8, async (i) => {
      const query = new URLSearchParams({ ...CARD, width: '1536', format: 'png', text: `flood ${i} ${Math.random()}` });
      const response = await rawRequest(service.baseUrl, { path: `/v1/card-art?${query}`, localAddress: `127.0.2.${i % 8}`, timeoutMs: 30_000 });
      if (response.status === 200) rendered += response.body.length;
    });
    await mapConcurrent(Array.from({ length: 60 }, (_, i) => i), 4, async (i) => {
      await rawRequest(service.baseUrl, { path: `/v1/token-requestors?accountRanges=5${String(100000000 + i * 7919).slice(0, 9)}` });
    });
    // Closing the cache waits for its background writes and the evictions each one makes: the folder is then
    // what the bound left (a fixed pause could catch a write landed and its eviction not yet made).
    await service.services.deps.cache.close();
    const onDisk = await folderBytes(service.cacheDir);
    console.log(
      `persistent tier after a flood: ${Math.round(rendered / 1024)} KB of cards rendered, ` +
        `${Math.round(onDisk / 1024)} KB on disk (assets ${Math.round(assetsOnly / 1024)} KB, bound 1024 KB)`,
    );
    expect(rendered).toBeGreaterThan(2 * MB); // the flood made more than twice the bound
    expect(onDisk).toBeLessThanOrEqual(assetsOnly + 1.1 * MB);
  }, 60_000);
});
