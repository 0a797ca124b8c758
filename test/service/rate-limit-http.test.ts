import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rawRequest } from '../hardening/harness.ts';
import { CARD, makeServiceFixtures, WALLET_RANGE, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

let fixtures: ServiceFixtures;
let service: TestService;

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  service = await startTestService(fixtures.dir, { RATE_LIMIT_PER_MINUTE: '3' });
});

afterAll(async () => {
  await service?.close();
  await fixtures?.cleanup();
});

describe('RATE_LIMIT_PER_MINUTE on a running service', () => {
  test('limits image requests per client with 429 RATE_LIMITED + Retry-After, and nothing else', async () => {
    const image = `${service.baseUrl}/v1/assets/${CARD.cardBackgroundAssetId}?width=128`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(image)).status);
    expect(statuses).toEqual([200, 200, 200]);

    const limited = await fetch(`${service.baseUrl}/v1/card-art?cardBackgroundAssetId=${CARD.cardBackgroundAssetId}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');

    expect((await fetch(`${service.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.baseUrl}/openapi.json`)).status).toBe(200);
  });

  test('covers every route that causes upstream or render work, each client counted apart', async () => {
    // Before: only the image routes were limited; token-requestors and product-configs were not.
    const routes = [
      { path: `/v1/card-art?cardBackgroundAssetId=${CARD.cardBackgroundAssetId}&width=128` },
      { path: '/v1/card-art', method: 'POST', body: JSON.stringify({ productConfig: { cardBackgroundAssetId: CARD.cardBackgroundAssetId }, width: 128 }) },
      { path: `/v1/assets/${CARD.issuerLogoAssetId}?width=128` },
      { path: `/v1/token-requestors?accountRanges=${WALLET_RANGE}` },
      { path: '/v1/token-requestor-assets/logo-merchant?size=48' },
      { path: '/v1/product-configs', method: 'POST', body: JSON.stringify({ cardBackgroundAssetId: 'bg-spare-15' }) },
    ];
    const outcome: string[] = [];
    for (const [i, route] of routes.entries()) {
      const statuses: number[] = [];
      for (let n = 0; n < 4; n++) {
        const response = await rawRequest(service.baseUrl, {
          path: route.path,
          method: route.method ?? 'GET',
          localAddress: `127.0.0.${20 + i}`,
          ...(route.body ? { body: route.body, headers: { 'content-type': 'application/json' } } : {}),
        });
        statuses.push(response.status);
      }
      outcome.push(`${route.method ?? 'GET'} ${route.path.split('?')[0]}: ${statuses.join(',')}`);
      expect(statuses.slice(0, 3).every((status) => status < 400), outcome.at(-1)).toBe(true);
      expect(statuses[3], outcome.at(-1)).toBe(429);
    }
    console.log(`rate limit 3/min per route and client:\n${outcome.join('\n')}`);
  });

  test('random account ranges: getEligibleTokenRequestors calls stop at the limit', async () => {
    // Before: every random range was one upstream call (and, then, one persisted list).
    const before = service.simulator.counts().tokenRequestors ?? 0;
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const range = String(510000000 + i * 104729).slice(0, 9);
      statuses.push((await rawRequest(service.baseUrl, { path: `/v1/token-requestors?accountRanges=${range}`, localAddress: '127.0.0.40' })).status);
    }
    const calls = (service.simulator.counts().tokenRequestors ?? 0) - before;
    console.log(`random account ranges: 20 requests → ${calls} getEligibleTokenRequestors calls (limit 3/min)`);
    expect(statuses.filter((status) => status === 429)).toHaveLength(17);
    expect(calls).toBeLessThanOrEqual(3);
  });
});
