/**
 * UPSTREAM_MAX_RPS: the MDES calls one instance makes per second, whatever clients ask for. Before there was no
 * budget: one POST /v1/product-configs of 100 configs × 6 new IDs made 600 Get Asset calls at once, and 500
 * requests for unknown IDs made 500 calls.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { createUpstreamBudget } from '../../src/upstream/upstream-budget.ts';
import { isCardArtError } from '../../src/errors.ts';
import { errorCode, mapConcurrent, rawRequest, waitFor } from '../hardening/harness.ts';
import { makeServiceFixtures, type ServiceFixtures } from '../service/service-fixtures.ts';
import { startTestService, type TestService } from '../service/service-harness.ts';

describe('createUpstreamBudget', () => {
  // A fake clock (Date and timers, which the rate limiter and its queue read): what passes when is exact, however
  // busy the machine is.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    vi.setSystemTime(new Date('2026-11-30T10:00:00.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('lets maxRps through per second, queues what fits in the wait, refuses the rest with UPSTREAM_BUSY', async () => {
    const budget = createUpstreamBudget({ maxRps: 10, maxWaitMs: 500 });
    const started = Date.now();
    const outcomes: Array<number | string | undefined> = Array.from({ length: 40 }, () => undefined);
    const taken = Array.from({ length: 40 }, (_, i) =>
      budget.take().then(
        () => (outcomes[i] = Date.now() - started),
        (error: unknown) => (outcomes[i] = isCardArtError(error) ? error.code : 'other'),
      ),
    );
    await vi.advanceTimersByTimeAsync(0);
    // 10 at once; the queue holds what the budget serves in the 500 ms wait (5); the other 25 are refused now.
    expect(outcomes.filter((o) => o === 0)).toHaveLength(10);
    expect(outcomes.filter((o) => o === 'UPSTREAM_BUSY')).toHaveLength(25);
    expect(outcomes.filter((o) => o === undefined)).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(1500);
    await Promise.all(taken);
    // The queued 5 pass when the next one-second window opens, within a second and a half.
    const passed = outcomes.filter((o): o is number => typeof o === 'number');
    expect(passed.filter((ms) => ms > 0)).toHaveLength(5);
    expect(Math.min(...passed.filter((ms) => ms > 0))).toBeGreaterThanOrEqual(900);
    expect(Math.max(...passed)).toBeLessThan(1500);
    expect(outcomes.filter((o) => o === 'other')).toEqual([]);
    expect(budget.refused()).toBe(25);
  });
});

describe('the budget on a running service (UPSTREAM_MAX_RPS=20)', () => {
  let fixtures: ServiceFixtures;
  let service: TestService;
  beforeAll(async () => {
    fixtures = await makeServiceFixtures();
    service = await startTestService(fixtures.dir, { UPSTREAM_MAX_RPS: '20', UPSTREAM_BUDGET_WAIT_MS: '500', RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await service?.close();
    await fixtures?.cleanup();
  });

  const assetCalls = () => service.simulator.counts().asset ?? 0;

  test('one POST of 100 configs × 6 new IDs: at most 20 Get Asset calls per second', async () => {
    service.simulator.resetCounts();
    const configs = Array.from({ length: 100 }, (_, c) =>
      Object.fromEntries(['cardBackgroundAssetId', 'issuerLogoAssetId', 'coBrandLogoAssetId', 'brandLogoAssetId', 'cardBackgroundCombinedAssetId', 'iconAssetId'].map((field, f) => [field, `flood-${c}-${f}`])),
    );
    const started = Date.now();
    const accepted = await rawRequest(service.baseUrl, {
      method: 'POST',
      path: '/v1/product-configs',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(configs),
    });
    expect(accepted.status).toBe(202);
    const queued = (JSON.parse(accepted.body.toString()) as { queued: string[] }).queued.length;
    // The pre-warm runs in the background: waited for, not assumed to have started after a pause.
    await waitFor('the first pre-warm Get Asset calls', () => assetCalls() > 0, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const calls = assetCalls();
    const seconds = (Date.now() - started) / 1000;
    console.log(`pre-warm flood: ${queued} IDs queued → ${calls} Get Asset calls in ${seconds.toFixed(1)} s (budget 20/s)`);
    // Whole one-second windows touched: at most 20 calls in each (a slower machine only touches more windows).
    expect(calls).toBeLessThanOrEqual(20 * (Math.ceil(seconds) + 1));
  });

  test('500 requests for unknown IDs from 50 connections: calls stay within the budget, the rest 503 UPSTREAM_BUSY', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the previous test's window pass
    service.simulator.resetCounts();
    const started = Date.now();
    const responses = await mapConcurrent(Array.from({ length: 500 }, (_, i) => i), 50, (i) =>
      rawRequest(service.baseUrl, { path: `/v1/assets/unknown-${i}`, localAddress: `127.0.1.${i % 200}`, timeoutMs: 10_000 }),
    );
    const seconds = (Date.now() - started) / 1000;
    const calls = assetCalls();
    const busy = responses.filter((r) => r.status === 503 && errorCode(r) === 'UPSTREAM_BUSY').length;
    const notFound = responses.filter((r) => r.status === 404).length;
    console.log(`unknown-ID flood: 500 requests in ${seconds.toFixed(1)} s → ${calls} Get Asset calls; ${notFound} × 404, ${busy} × 503 UPSTREAM_BUSY`);
    expect(calls).toBeLessThanOrEqual(20 * (Math.ceil(seconds) + 1) + 20);
    expect(busy + notFound).toBe(500);
    expect(busy).toBeGreaterThan(0);
    const sample = responses.find((r) => r.status === 503);
    expect(sample?.headers['retry-after']).toBe('1');
  }, 30_000);
});
