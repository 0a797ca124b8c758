/**
 * UPSTREAM_MAX_RPS: the MDES calls one instance makes per second, whatever clients ask for. Before there was no
 * budget: one POST /v1/product-configs of 100 configs × 6 new IDs made 600 Get Asset calls at once, and 500
 * requests for unknown IDs made 500 calls.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createUpstreamBudget } from '../../src/upstream/upstream-budget.ts';
import { isCardArtError } from '../../src/errors.ts';
import { errorCode, mapConcurrent, rawRequest } from '../hardening/harness.ts';
import { makeServiceFixtures, type ServiceFixtures } from '../service/service-fixtures.ts';
import { startTestService, type TestService } from '../service/service-harness.ts';

describe('createUpstreamBudget', () => {
  test('lets maxRps through per second, queues what fits in the wait, refuses the rest with UPSTREAM_BUSY', async () => {
    const budget = createUpstreamBudget({ maxRps: 10, maxWaitMs: 500 });
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () =>
        budget.take().then(
          () => Date.now() - started,
          (error: unknown) => (isCardArtError(error) ? error.code : 'other'),
        ),
      ),
    );
    const passed = outcomes.filter((o): o is number => typeof o === 'number');
    const refused = outcomes.filter((o) => o === 'UPSTREAM_BUSY');
    expect(passed.filter((ms) => ms < 900)).toHaveLength(10);
    // 10 at once, then at most what the budget serves in the 500 ms wait (5), each within a second and a half.
    expect(passed.length).toBeLessThanOrEqual(15);
    expect(Math.max(...passed)).toBeLessThan(1500);
    expect(refused.length).toBe(40 - passed.length);
    expect(budget.refused()).toBe(refused.length);
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
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const calls = assetCalls();
    const seconds = (Date.now() - started) / 1000;
    console.log(`pre-warm flood: ${queued} IDs queued → ${calls} Get Asset calls in ${seconds.toFixed(1)} s (budget 20/s)`);
    // Whole one-second windows touched: at most 20 calls in each.
    expect(calls).toBeLessThanOrEqual(20 * (Math.ceil(seconds) + 1));
    expect(calls).toBeGreaterThan(0);
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
