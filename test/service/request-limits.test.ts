/**
 * Before: more than 1000 query keys were silently dropped (a later cardBackgroundAssetId was lost →
 * MISSING_BACKGROUND) and a 100 KB query got a connection reset. Now: 400 TOO_MANY_QUERY_KEYS and 414 URI_TOO_LONG.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_QUERY_KEYS, MAX_URL_BYTES } from '../../src/service/request-limits.ts';
import { errorCode, rawRequest } from '../hardening/harness.ts';
import { CARD, makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

let fixtures: ServiceFixtures;
let service: TestService;
beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  service = await startTestService(fixtures.dir);
});
afterAll(async () => {
  await service?.close();
  await fixtures?.cleanup();
});

describe('query and URL bounds', () => {
  test('1001 filler keys before the background: 400 TOO_MANY_QUERY_KEYS, not MISSING_BACKGROUND', async () => {
    const filler = Array.from({ length: 1001 }, (_, i) => `x${i}=1`).join('&');
    const response = await rawRequest(service.baseUrl, { path: `/v1/card-art?${filler}&cardBackgroundAssetId=${CARD.cardBackgroundAssetId}` });
    expect([response.status, errorCode(response)]).toEqual([400, 'TOO_MANY_QUERY_KEYS']);
  });

  test(`exactly ${MAX_QUERY_KEYS} keys are accepted`, async () => {
    const filler = Array.from({ length: MAX_QUERY_KEYS - 2 }, (_, i) => `x${i}=1`).join('&');
    const response = await rawRequest(service.baseUrl, { path: `/v1/card-art?${filler}&cardBackgroundAssetId=${CARD.cardBackgroundAssetId}&width=128` });
    expect(response.status).toBe(200);
  });

  test('a 100 KB query: 414 URI_TOO_LONG, not a connection reset', async () => {
    const response = await rawRequest(service.baseUrl, { path: `/v1/card-art?text=${'a'.repeat(100 * 1024)}` });
    expect([response.status, errorCode(response)]).toEqual([414, 'URI_TOO_LONG']);
  });

  test(`a URL of ${MAX_URL_BYTES} bytes passes the bound`, async () => {
    const base = `/v1/card-art?cardBackgroundAssetId=${CARD.cardBackgroundAssetId}&pad=`;
    const response = await rawRequest(service.baseUrl, { path: base + 'a'.repeat(MAX_URL_BYTES - base.length) });
    expect(response.status).not.toBe(414);
  });
});
