/**
 * One client floods cold renders (random text, so every request is a new variant) from 127.0.0.1 while another
 * users at 127.0.0.2 … 127.0.0.17 ask for one card each. Before (RENDER_MAX_PER_CLIENT=0, the old behaviour) the flood
 * fills the shared queue and the other users' renders are refused; after (RENDER_MAX_PER_CLIENT=4) the flooder
 * gets 429 RENDER_CLIENT_LIMIT past its share and the other users' renders all succeed.
 * A slow upstream no longer holds render slots: cards whose assets are cached render while it hangs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rawRequest, waitFor, type RawResponse } from '../hardening/harness.ts';
import { CARD, makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

const FLOOD_WORKERS = 40;
/** Other users, one cold render each, from 127.0.0.2 … 127.0.0.17. */
const OTHER_USERS = 16;
const QUEUE_LIMIT = '24';

let fixtures: ServiceFixtures;
beforeAll(async () => {
  fixtures = await makeServiceFixtures();
});
afterAll(async () => {
  await fixtures?.cleanup();
});

const card = (text: string) => `/v1/card-art?${new URLSearchParams({ ...CARD, width: '512', text })}`;

/**
 * Runs the flood until the other users are done (bounded: 2000 requests, 30 s); returns both sides' statuses. The
 * other users arrive once the render queue holds `filled` renders (running or waiting), not after a pause. The
 * bound is far above what a flood answered 429 at once sends while the other users wait, so it lasts until they
 * are done (at 400 it could run out first on a fast machine).
 */
async function floodAndMeasure(service: TestService, tag: string, filled: number): Promise<{ other: number[]; flood: RawResponse[] }> {
  // Assets cached first: every request below is a render, never an upstream fetch.
  expect((await rawRequest(service.baseUrl, { path: card(`${tag}-warm`) })).status).toBe(200);
  const flood: RawResponse[] = [];
  let stop = false;
  let sent = 0;
  const deadline = Date.now() + 30_000;
  const workers = Array.from({ length: FLOOD_WORKERS }, async (_, worker) => {
    while (!stop && sent < 2000 && Date.now() < deadline) {
      sent += 1;
      const response = await rawRequest(service.baseUrl, { path: card(`${tag}-flood-${worker}-${sent}`), localAddress: '127.0.0.1', timeoutMs: 30_000 });
      flood.push(response);
    }
  });
  // The flood has filled what it can before the other users arrive.
  const queue = service.app.locals.renderQueue;
  await waitFor('the flood to fill the render queue', () => queue.running() + queue.waiting() >= filled, 20_000);
  const other = await Promise.all(
    Array.from({ length: OTHER_USERS }, (_, i) =>
      rawRequest(service.baseUrl, { path: card(`${tag}-other-${i}`), localAddress: `127.0.0.${i + 2}`, timeoutMs: 30_000 }).then((r) => r.status),
    ),
  );
  stop = true;
  await Promise.all(workers);
  return { other, flood };
}

describe('per-client fair share of cold renders', () => {
  test('before (no per-client share): the flood fills the queue and other users are refused', async () => {
    const service = await startTestService(fixtures.dir, {
      RENDER_CONCURRENCY: '1',
      RENDER_QUEUE_LIMIT: QUEUE_LIMIT,
      RENDER_MAX_PER_CLIENT: '0',
      // The share is what is measured here, not the queue wait: a loaded CI machine renders slowly.
      RENDER_QUEUE_WAIT_MS: '60000',
    });
    try {
      // Full: one render running and QUEUE_LIMIT waiting.
      const { other, flood } = await floodAndMeasure(service, 'before', 1 + Number(QUEUE_LIMIT));
      const ok = other.filter((status) => status === 200).length;
      console.log(`fairness before: other users ${ok}/${other.length} ok while ${flood.length} flood requests ran`);
      expect(ok).toBeLessThan(other.length);
    } finally {
      await service.close();
    }
  }, 60_000);

  test('after (RENDER_MAX_PER_CLIENT=4): every render of the other users succeeds; the flooder gets 429 past its share', async () => {
    const service = await startTestService(fixtures.dir, {
      RENDER_CONCURRENCY: '1',
      RENDER_QUEUE_LIMIT: QUEUE_LIMIT,
      RENDER_MAX_PER_CLIENT: '4',
      RENDER_QUEUE_WAIT_MS: '60000',
    });
    try {
      // The flooder's share: its four renders running or waiting.
      const { other, flood } = await floodAndMeasure(service, 'after', 4);
      const ok = other.filter((status) => status === 200).length;
      const limited = flood.filter((r) => r.status === 429);
      console.log(`fairness after: other users ${ok}/${other.length} ok; flood ${flood.length} requests, ${limited.length} got 429`);
      expect(other).toEqual(other.map(() => 200));
      expect(limited.length).toBeGreaterThan(0);
      expect(JSON.parse(limited[0]!.body.toString()).error.code).toBe('RENDER_CLIENT_LIMIT');
      expect(limited[0]!.headers['retry-after']).toBe('1');
      expect(flood.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    } finally {
      await service.close();
    }
  }, 60_000);

  test('a hanging upstream holds no render slot: cards with cached assets render meanwhile', async () => {
    const service = await startTestService(fixtures.dir, { RENDER_CONCURRENCY: '1', UPSTREAM_TIMEOUT_MS: '3000' });
    try {
      expect((await rawRequest(service.baseUrl, { path: card('slot-warm') })).status).toBe(200);
      const slow = fixtures.spareBackgrounds.slice(10, 13);
      for (const id of slow) service.simulator.faults.inject(id, { kind: 'latency', ms: 2000 }, 1);
      const hanging = slow.map((id) => rawRequest(service.baseUrl, { path: `/v1/card-art?cardBackgroundAssetId=${id}&width=128`, timeoutMs: 10_000 }));
      // All three fetches hang at the upstream (2 s each), and none of them holds a render slot or waits for one.
      await waitFor('the three slow fetches to reach the upstream', () => (service.simulator.counts().asset ?? 0) >= 3, 10_000);
      const queue = service.app.locals.renderQueue;
      expect([queue.running(), queue.waiting()]).toEqual([0, 0]);
      const started = Date.now();
      const cached = await Promise.all(
        Array.from({ length: 4 }, (_, i) => rawRequest(service.baseUrl, { path: card(`slot-${i}`), localAddress: '127.0.0.2', timeoutMs: 10_000 })),
      );
      const cachedMs = Date.now() - started;
      expect(cached.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      // All four answered while the three slow fetches were still hanging (they take 2 s).
      expect(service.simulator.counts().asset ?? 0).toBeGreaterThanOrEqual(3);
      const slowStatuses = (await Promise.all(hanging)).map((r) => r.status);
      console.log(`slow upstream: 4 cached-asset cards in ${cachedMs} ms while 3 fetches hung 2 s; slow ones ${slowStatuses.join(',')}`);
      expect(slowStatuses).toEqual([200, 200, 200]);
    } finally {
      await service.close();
    }
  }, 30_000);
});
