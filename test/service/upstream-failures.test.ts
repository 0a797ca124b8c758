import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CARD, makeServiceFixtures, WALLET_RANGE, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

let fixtures: ServiceFixtures;

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
});

afterAll(async () => {
  await fixtures?.cleanup();
});

async function getJson(service: TestService, path: string) {
  const response = await fetch(`${service.baseUrl}${path}`);
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: JSON.parse(text) as { error: { code: string; message: string } } };
}

describe('upstream failures (simulator fault injection)', () => {
  let service: TestService;
  beforeAll(async () => {
    // 1 s per attempt: short enough for the timeout test, long enough that the answered calls of the other tests
    // never time out on a loaded machine (at 300 ms a recovered Get Asset could, and a 502 could turn into a 504).
    service = await startTestService(fixtures.dir, { UPSTREAM_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await service?.close();
  });

  test('an upstream 500 becomes 502 UPSTREAM_ERROR, and is not cached', async () => {
    const id = fixtures.spareBackgrounds[2] as string;
    service.simulator.faults.inject(id, { kind: 'status', status: 500 });
    const failed = await getJson(service, `/v1/card-art?cardBackgroundAssetId=${id}`);
    expect([failed.status, failed.body.error.code]).toEqual([502, 'UPSTREAM_ERROR']);
    service.simulator.faults.clear(id);
    const recovered = await fetch(`${service.baseUrl}/v1/card-art?cardBackgroundAssetId=${id}`);
    expect(recovered.status).toBe(200);
  });

  test('an upstream that does not answer in time becomes 504 UPSTREAM_TIMEOUT', async () => {
    const id = fixtures.spareBackgrounds[3] as string;
    service.simulator.faults.inject(id, { kind: 'latency', ms: 10_000 });
    const failed = await getJson(service, `/v1/assets/${id}`);
    service.simulator.faults.clear(id);
    expect([failed.status, failed.body.error.code]).toEqual([504, 'UPSTREAM_TIMEOUT']);
  });

  test('a malformed Get Asset body is a 502, never a 500', async () => {
    const id = fixtures.spareBackgrounds[4] as string;
    service.simulator.faults.inject(id, { kind: 'invalid-json' });
    const failed = await getJson(service, `/v1/assets/${id}`);
    service.simulator.faults.clear(id);
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toMatch(/^UPSTREAM_|^ASSET_/);
  });

  test('Token Connect failures map to 5xx JSON errors', async () => {
    service.simulator.faults.inject('tokenRequestors', { kind: 'status', status: 503 });
    const failed = await getJson(service, `/v1/token-requestors?accountRanges=${WALLET_RANGE}`);
    service.simulator.faults.clear('tokenRequestors');
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('UPSTREAM_ERROR');
  });
});

describe('render queue', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(fixtures.dir, { RENDER_CONCURRENCY: '1', RENDER_QUEUE_LIMIT: '1' });
  });
  afterAll(async () => {
    await service?.close();
  });

  test('a full queue answers 503 RENDER_QUEUE_FULL with Retry-After: 1; cache hits never wait', async () => {
    const warm = await fetch(`${service.baseUrl}/v1/card-art?${new URLSearchParams({ ...CARD, width: '128' })}`);
    expect(warm.status).toBe(200);
    const queue = service.app.locals.renderQueue;
    // The one render slot is held by this test until released, so the queue stays full for as long as the checks
    // below take (real renders of a 128 px card finish in milliseconds, and a loaded machine could drain the queue
    // between two checks).
    let release!: () => void;
    const held = queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    try {
      expect(queue.running()).toBe(1);
      const cold = fixtures.spareBackgrounds.slice(5, 7).map((id) => fetch(`${service.baseUrl}/v1/card-art?cardBackgroundAssetId=${id}&width=128`));
      // One cold render takes the one waiting place; the other finds the queue full.
      const refused = await Promise.race(cold);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RENDER_QUEUE_FULL');
      await waitFor(() => queue.waiting() === 1);
      // While one render runs and one waits, a cached card is still served at once.
      const hit = await fetch(`${service.baseUrl}/v1/card-art?${new URLSearchParams({ ...CARD, width: '128' })}`);
      expect(hit.status).toBe(200);
      expect([queue.running(), queue.waiting()]).toEqual([1, 1]);
      release();
      const statuses = (await Promise.all(cold)).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 503]);
    } finally {
      release();
      await held;
    }
  });

  test('a client that goes away while its assets are fetched (outside any render slot) takes its render with it', async () => {
    const id = fixtures.spareBackgrounds[9] as string;
    service.simulator.faults.inject(id, { kind: 'latency', ms: 700 }, 1);
    service.simulator.resetCounts();
    const rendersBefore = await cardRenders(service);
    const controller = new AbortController();
    const request = fetch(`${service.baseUrl}/v1/card-art?cardBackgroundAssetId=${id}&width=128`, { signal: controller.signal });
    await waitFor(() => (service.simulator.counts()[`asset:${id}`] ?? 0) === 1);
    // The fetch holds no render slot: nothing runs or waits in the render queue meanwhile.
    expect(service.app.locals.renderQueue.running() + service.app.locals.renderQueue.waiting()).toBe(0);
    controller.abort();
    await expect(request).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(service.app.locals.renderQueue.running() + service.app.locals.renderQueue.waiting()).toBe(0);
    expect(await cardRenders(service)).toBe(rendersBefore);
  });
});

describe('request logs', () => {
  test('log method, route pattern, status and duration, never the query string', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const service = await startTestService(fixtures.dir, {}, pino({ level: 'info' }, sink));
    try {
      await fetch(`${service.baseUrl}/v1/card-art?${new URLSearchParams({ ...CARD, text: '5555 4444 3333 1111', width: '128' })}`, {
        headers: { authorization: 'Bearer secret-token' },
      });
      await fetch(`${service.baseUrl}/nowhere?text=5555444433331111`);
    } finally {
      await service.close();
    }
    const requests = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
    expect(requests.map((entry) => [entry.method, entry.route, entry.status])).toEqual([
      ['GET', '/v1/card-art', 200],
      ['GET', 'unmatched', 404],
    ]);
    expect(typeof requests[0]?.durationMs).toBe('number');
    const all = lines.join('\n');
    // The card number in any spelling the request carried it (spaces, none, +, %20), and not split by separators:
    // its four groups in a row. Four digits alone could come from a timestamp, a pid or a duration.
    expect(all).not.toMatch(/5555\D{0,3}4444\D{0,3}3333\D{0,3}1111/);
    expect(all).not.toContain('secret-token');
    expect(all).not.toContain('text=');
    // Nor the text value under any field name: no logged string holds the card's digits.
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];
    const logged = lines.flatMap((line) => strings(JSON.parse(line)));
    expect(logged.filter((text) => text.replace(/\D/g, '').includes('5555444433331111'))).toEqual([]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

async function cardRenders(service: TestService): Promise<number> {
  const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
  const match = /^card_art_render_duration_seconds_count\{kind="card"\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}
