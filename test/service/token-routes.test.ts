/** POST/GET /v1/tokens through the real app: recording from a Tokenize response, bearer auth, restart survival. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenAnswerSchema } from '../../src/service/contract/token-schemas.ts';
import { rawRequest } from '../hardening/harness.ts';
import { CARD, makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService } from './service-harness.ts';

const API_TOKEN = 'test-token-0123456789abcdef';
let fixtures: ServiceFixtures;
let cacheDir: string;

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  cacheDir = await mkdtemp(path.join(tmpdir(), 'card-art-token-routes-'));
});
afterAll(async () => {
  await fixtures?.cleanup();
  await rm(cacheDir, { recursive: true, force: true });
});

const tokenizeResponse = {
  tokenUniqueReference: 'DWSPMC00000000000000000000000001',
  status: 'ACTIVE',
  productConfig: { ...CARD, issuerName: 'Test Bank', longDescription: 'Test Bank Debit' },
  tokenInfo: { accountPanSuffix: '0005', tokenPanSuffix: '9876', accountPanExpiry: '1230' },
};

const post = (baseUrl: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('/v1/tokens without API_TOKENS (embedded demo: open)', () => {
  it('records a token from a Tokenize response, answers it with its card art URL, and keeps it across a restart', async () => {
    const service = await startTestService(fixtures.dir, { CACHE_DIR: cacheDir });
    let cardArtUrl: string;
    try {
      const created = await post(service.baseUrl, { ...tokenizeResponse, statusTimestamp: '2026-11-30T10:00:00Z' });
      expect(created.status).toBe(201);
      const answer = tokenAnswerSchema.parse(await created.json());
      expect(answer).toMatchObject({ status: 'ACTIVE', accountPanSuffix: '0005', tokenPanSuffix: '9876', applied: true });
      cardArtUrl = answer.cardArtUrl!;
      const url = new URL(cardArtUrl, service.baseUrl);
      expect(url.pathname).toBe('/v1/card-art');
      expect(url.searchParams.get('text')).toBe('•••• 0005');
      expect(url.searchParams.get('cardBackgroundAssetId')).toBe(CARD.cardBackgroundAssetId);
      const image = await fetch(url);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');

      // An older statusTimestamp than the stored one is kept out, and so is an update without one; the answer says so.
      const stale = await post(service.baseUrl, { ...tokenizeResponse, status: 'SUSPENDED', statusTimestamp: '2001-01-01T00:00:00Z' });
      expect(stale.status).toBe(200);
      expect(await stale.json()).toMatchObject({ status: 'ACTIVE', applied: false });
      const untimed = await post(service.baseUrl, { ...tokenizeResponse, status: 'SUSPENDED' });
      expect(await untimed.json()).toMatchObject({ status: 'ACTIVE', statusTimestamp: '2026-11-30T10:00:00Z', applied: false });

      // A far-future statusTimestamp would pin the record against every genuine update: refused, nothing written.
      for (const statusTimestamp of ['9999-12-31T23:59:59Z', new Date(Date.now() + 6 * 60_000).toISOString()]) {
        const pinned = await post(service.baseUrl, { ...tokenizeResponse, status: 'SUSPENDED', statusTimestamp });
        expect(pinned.status).toBe(400);
        expect((await pinned.json()).error.code).toBe('STATUS_TIMESTAMP_IN_FUTURE');
      }
      const skewed = await post(service.baseUrl, { ...tokenizeResponse, status: 'SUSPENDED', statusTimestamp: new Date(Date.now() + 4 * 60_000).toISOString() });
      expect(await skewed.json()).toMatchObject({ status: 'SUSPENDED', applied: true }); // within the 5 minutes of clock skew

      for (const bad of [
        { ...tokenizeResponse, status: 'LOST' },
        { ...tokenizeResponse, tokenInfo: { accountPanSuffix: '5555444433331111' } },
        { ...tokenizeResponse, productConfig: undefined },
        { ...tokenizeResponse, tokenUniqueReference: 'x'.repeat(65) },
      ]) {
        const refused = await post(service.baseUrl, bad);
        expect(refused.status).toBe(400);
        const { error } = await refused.json();
        expect(error.code).toBe('INVALID_TOKEN');
        expect(JSON.stringify(error)).not.toContain('5555444433331111');
      }
      const noBackground = await post(service.baseUrl, { ...tokenizeResponse, productConfig: { issuerLogoAssetId: 'issuer-bank' } });
      expect((await noBackground.json()).error.code).toBe('MISSING_BACKGROUND');
    } finally {
      await service.close();
    }

    const restarted = await startTestService(fixtures.dir, { CACHE_DIR: cacheDir });
    try {
      const again = await fetch(`${restarted.baseUrl}/v1/tokens/${tokenizeResponse.tokenUniqueReference}`);
      expect(again.status).toBe(200);
      expect(again.headers.get('cache-control')).toBe('private, no-cache');
      expect((await again.json()).cardArtUrl).toBe(cardArtUrl);
    } finally {
      await restarted.close();
    }
  });
});

describe('token writes under RATE_LIMIT_PER_MINUTE', () => {
  it('counts POST /v1/tokens per client address like the image routes, and leaves reads to the bearer token', async () => {
    const service = await startTestService(fixtures.dir, { RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await rawRequest(service.baseUrl, {
          method: 'POST',
          path: '/v1/tokens',
          body: JSON.stringify({ ...tokenizeResponse, tokenUniqueReference: `DWSPMC0000RATE${i}` }),
          headers: { 'content-type': 'application/json' },
          localAddress: '127.0.0.41',
        });
        statuses.push(response.status);
        if (i === 3) {
          expect(JSON.parse(response.body.toString()).error.code).toBe('RATE_LIMITED');
          expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        }
      }
      expect(statuses).toEqual([201, 201, 201, 429]);
      // Another client is counted apart; reading a token is not a write.
      const other = await rawRequest(service.baseUrl, {
        method: 'POST',
        path: '/v1/tokens',
        body: JSON.stringify({ ...tokenizeResponse, tokenUniqueReference: 'DWSPMC0000RATE4' }),
        headers: { 'content-type': 'application/json' },
        localAddress: '127.0.0.42',
      });
      expect(other.status).toBe(201);
      for (let i = 0; i < 4; i++) {
        expect((await rawRequest(service.baseUrl, { path: '/v1/tokens/DWSPMC0000RATE0', localAddress: '127.0.0.41' })).status).toBe(200);
      }
    } finally {
      await service.close();
    }
  });
});

describe('/v1/tokens with API_TOKENS', () => {
  it('needs the bearer token on every /v1/tokens route, while the NTU receiver stays for MDES (no bearer)', async () => {
    const service = await startTestService(fixtures.dir, { API_TOKENS: `other-token-000000000000,${API_TOKEN}` });
    try {
      const ref = tokenizeResponse.tokenUniqueReference;
      const unauthenticated = [
        await post(service.baseUrl, tokenizeResponse),
        await fetch(`${service.baseUrl}/v1/tokens/${ref}`),
        await fetch(`${service.baseUrl}/v1/tokens/${ref}/card-art`, { redirect: 'manual' }),
        await fetch(`${service.baseUrl}/v1/tokens/${ref}`, { headers: { authorization: 'Bearer wrong-token-0000000000000' } }),
      ];
      for (const response of unauthenticated) {
        expect(response.status).toBe(401);
        expect((await response.json()).error.code).toBe('UNAUTHORIZED');
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="card-art"/);
      }
      const auth = { authorization: `Bearer ${API_TOKEN}` };
      expect((await post(service.baseUrl, tokenizeResponse, auth)).status).toBe(201);
      const redirect = await fetch(`${service.baseUrl}/v1/tokens/${ref}/card-art?width=256`, { headers: auth, redirect: 'manual' });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('location')).toContain('width=256');

      const ntu = await service.simulator.ntu!.send(service.baseUrl, [
        { tokenUniqueReference: ref, status: 'SUSPENDED', statusTimestamp: new Date(Date.now() + 60_000).toISOString() },
      ]);
      expect(ntu.status).toBe(200);
      expect((await (await fetch(`${service.baseUrl}/v1/tokens/${ref}`, { headers: auth })).json()).status).toBe('SUSPENDED');
    } finally {
      await service.close();
    }
  });
});
