import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CARD, makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
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
});
