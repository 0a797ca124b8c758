/**
 * /readyz: 200 while the instance can serve, MDES and the cache store reported as ok / degraded, never a call to
 * MDES per request. Before: one MDES call per /readyz (~2,900/s), and 503 whenever MDES or Redis was down or the
 * cache folder unwritable, while 20 of 20 cached cards were still served.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createReadiness } from '../../src/service/readiness.ts';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.ts';
import { CARD, makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

let fixtures: ServiceFixtures;
beforeAll(async () => {
  fixtures = await makeServiceFixtures();
});
afterAll(async () => {
  await fixtures?.cleanup();
});

interface ReadyBody {
  status: string;
  checks: Record<'upstream' | 'cache' | 'renderer', { status: string; error?: string }>;
}

async function readyz(service: TestService): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${service.baseUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

const cards = Array.from({ length: 20 }, (_, i) => `/v1/card-art?${new URLSearchParams({ ...CARD, width: '128', text: `ready-${i}` })}`);

async function servedCards(service: TestService): Promise<number> {
  let served = 0;
  for (const p of cards) if ((await fetch(`${service.baseUrl}${p}`)).status === 200) served += 1;
  return served;
}

describe('createReadiness', () => {
  test('probes MDES at most once per interval however often it is asked', async () => {
    let probes = 0;
    const readiness = createReadiness({
      probeUpstream: async () => {
        probes += 1;
      },
      pingCache: async () => {},
      intervalMs: 60_000,
    });
    for (let i = 0; i < 1000; i++) expect((await readiness.report()).ready).toBe(true);
    expect(probes).toBe(1);
  });

  test('learns MDES state from real calls; only draining or a dead renderer make it unready', async () => {
    let alive = true;
    const readiness = createReadiness({ probeUpstream: async () => {}, pingCache: async () => {}, rendererAlive: () => alive });
    readiness.recordUpstream(false);
    expect(await readiness.report()).toMatchObject({ ready: true, checks: { upstream: { status: 'degraded', error: 'UPSTREAM_UNREACHABLE' } } });
    readiness.recordUpstream(true);
    expect((await readiness.report()).checks.upstream.status).toBe('ok');
    alive = false;
    expect(await readiness.report()).toMatchObject({ ready: false, status: 'unavailable', checks: { renderer: { status: 'degraded' } } });
    alive = true;
    readiness.startDraining();
    expect(await readiness.report()).toMatchObject({ ready: false, status: 'draining' });
  });

  test('reports the colour self-check (waiting for it once) without failing readiness', async () => {
    let finish!: (report: { status: 'ok' | 'degraded'; error?: string }) => void;
    const colourCheck = new Promise<{ status: 'ok' | 'degraded'; error?: string }>((resolve) => (finish = resolve));
    const readiness = createReadiness({ probeUpstream: async () => {}, pingCache: async () => {}, colourCheck });
    const first = readiness.report();
    finish({ status: 'degraded', error: 'COLOUR_UNMANAGED' });
    expect(await first).toMatchObject({ ready: true, checks: { colour: { status: 'degraded', error: 'COLOUR_UNMANAGED' } } });
    const ok = createReadiness({ probeUpstream: async () => {}, pingCache: async () => {}, colourCheck: Promise.resolve({ status: 'ok' as const }) });
    expect((await ok.report()).checks.colour).toEqual({ status: 'ok' });
    const broken = createReadiness({ probeUpstream: async () => {}, pingCache: async () => {}, colourCheck: Promise.reject(new Error('x')) });
    expect((await broken.report()).checks.colour).toEqual({ status: 'degraded', error: 'COLOUR_CHECK_FAILED' });
    // Without a check configured there is no colour entry at all (nothing was measured).
    const none = createReadiness({ probeUpstream: async () => {}, pingCache: async () => {} });
    expect((await none.report()).checks.colour).toBeUndefined();
  });
});

describe('/readyz on a running service', () => {
  test('1000 requests cost MDES at most one probe', async () => {
    const service = await startTestService(fixtures.dir, { READINESS_PROBE_INTERVAL_MS: '60000' });
    try {
      service.simulator.resetCounts();
      for (let i = 0; i < 1000; i++) expect((await fetch(`${service.baseUrl}/readyz`)).status).toBe(200);
      const calls = Object.entries(service.simulator.counts()).filter(([name]) => !name.includes(':')).reduce((sum, [, n]) => sum + n, 0);
      console.log(`/readyz: 1000 requests → ${calls} upstream calls`);
      expect(calls).toBeLessThanOrEqual(1);
    } finally {
      await service.close();
    }
  });

  test('MDES down: 200 with upstream degraded, cached cards still served; draining: 503', async () => {
    const service = await startTestService(fixtures.dir, { READINESS_PROBE_INTERVAL_MS: '200' });
    try {
      expect(await servedCards(service)).toBe(20);
      expect((await readyz(service)).body.checks.upstream.status).toBe('ok');
      await service.simulator.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await readyz(service); // starts the background probe; the next report has its result
      await expect.poll(async () => (await readyz(service)).body.checks.upstream.status, { timeout: 5000 }).toBe('degraded');
      const ready = await readyz(service);
      const served = await servedCards(service);
      console.log(`MDES down: /readyz ${ready.status} ${JSON.stringify(ready.body.checks.upstream)}, ${served}/20 cached cards served`);
      expect(ready.status).toBe(200);
      expect(served).toBe(20);
      service.services.deps.readiness.startDraining();
      expect(await readyz(service)).toMatchObject({ status: 503, body: { status: 'draining' } });
    } finally {
      await service.close();
    }
  });

  test('cache folder unusable: 200 with cache degraded', async () => {
    const service = await startTestService(fixtures.dir);
    try {
      expect(await servedCards(service)).toBe(20);
      // Root ignores permission bits, so the folder is replaced by a file: the store can neither read nor write.
      const cacheDir = service.cacheDir;
      // Background writes of the cards just served may still be adding files: retry on ENOTEMPTY.
      await rm(cacheDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      await writeFile(cacheDir, 'not a folder');
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the cache ping interval
      await readyz(service);
      await expect.poll(async () => (await readyz(service)).body.checks.cache.status, { timeout: 5000 }).toBe('degraded');
      const ready = await readyz(service);
      const served = await servedCards(service);
      console.log(`cache folder unusable: /readyz ${ready.status} ${JSON.stringify(ready.body.checks.cache)}, ${served}/20 cached cards served`);
      expect(ready.status).toBe(200);
      expect(served).toBe(20);
      await rm(cacheDir, { force: true });
    } finally {
      await service.close();
    }
  });

  describe('with Redis as the store', () => {
    let redis: RedisServerProcess;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    test('Redis down: 200 with cache degraded, cached cards still served', async () => {
      const service = await startTestService(fixtures.dir, { CACHE_URL: redis.url });
      try {
        expect(await servedCards(service)).toBe(20);
        await redis.stop();
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await readyz(service);
        await expect.poll(async () => (await readyz(service)).body.checks.cache.status, { timeout: 8000 }).toBe('degraded');
        const ready = await readyz(service);
        const served = await servedCards(service);
        console.log(`Redis down: /readyz ${ready.status} ${JSON.stringify(ready.body.checks.cache)}, ${served}/20 cached cards served`);
        expect(ready.status).toBe(200);
        expect(served).toBe(20);
      } finally {
        await service.close();
      }
    }, 30_000);
  });
});
