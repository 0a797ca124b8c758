/**
 * DESIGN §10 through HTTP: the embedded simulator encrypts Notify Token Updated for the service's key pair and
 * POSTs it; the service decrypts, records, pre-warms in the background and acknowledges.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/cache/memory-tier.ts';
import { createAssetPrewarmer } from '../../src/service/asset-prewarmer.ts';
import { createApp } from '../../src/service/create-app.ts';
import { mdesErrorAnswerSchema, ntuAckSchema } from '../../src/service/contract/token-schemas.ts';
import { createTokenServices } from '../../src/service/token-services.ts';
import { createNtuSender, type NtuSender } from '../../src/simulator/ntu-sender.ts';
import { generateEncryptionKeyPair } from '../../src/upstream/field-level-encryption.ts';
import { sendRaw } from '../support/http-client.ts';
import { makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

let fixtures: ServiceFixtures;
let service: TestService;
let ntu: NtuSender;

const T1 = 'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45';

function token(overrides: Record<string, unknown> = {}) {
  return {
    tokenUniqueReference: T1,
    tokenRequestorId: '50110030273',
    status: 'ACTIVE',
    eventReasonCode: 'OTHER',
    statusTimestamp: '2026-11-30T10:00:00.000Z',
    productConfig: {
      cardBackgroundAssetId: fixtures.spareBackgrounds[0],
      issuerLogoAssetId: 'issuer-bank',
      brandLogoAssetId: 'brand-circles',
      foregroundColor: 'FFFFFF',
      isCoBranded: false,
      issuerName: 'Test Bank',
      shortDescription: 'Test Card',
    },
    tokenInfo: { accountPanSuffix: '1234', tokenPanSuffix: '0001', accountPanExpiry: '1230', tokenExpiry: '1229' },
    ...overrides,
  };
}

const ntuUrl = () => `${service.baseUrl}/digitization/1/0/notifyTokenUpdated`;
const get = (path: string, init: RequestInit = {}) => fetch(`${service.baseUrl}${path}`, { redirect: 'manual', ...init });

function expectMdesError(body: unknown, code: string) {
  const parsed = mdesErrorAnswerSchema.parse(body);
  expect(parsed.errorCode).toBe(code);
  expect(parsed.errors[0]?.reasonCode).toBe(code);
  expect(parsed.errors[0]?.source).toBe('INPUT');
  return parsed;
}

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  // A generous MDES budget: pre-warm's share of it (a fifth) then does not stretch the 100-token test.
  // The NTU rate limit is off for this file's shared service (its tests post more than 20 a second from one
  // address); the limit has its own test with its own service below.
  service = await startTestService(fixtures.dir, { NTU_RESPONSE_HOST: 'gateway.example', UPSTREAM_MAX_RPS: '500', NTU_RATE_LIMIT_PER_SECOND: '0' });
  ntu = service.simulator.ntu as NtuSender;
});

afterAll(async () => {
  await service?.close();
  await fixtures?.cleanup();
});

describe('Notify Token Updated round trip', () => {
  it('decrypts the simulator payload, records the token, pre-warms its assets and redirects its card art', async () => {
    expect(ntu).toBeDefined();
    service.simulator.resetCounts();
    const sent = await ntu.send(service.baseUrl, [token()]);
    expect(Object.keys(sent.request).sort()).toEqual(['encryptedPayload', 'requestId', 'responseHost']);
    expect(Object.keys(sent.request.encryptedPayload).sort()).toEqual(
      ['encryptedData', 'encryptedKey', 'iv', 'oaepHashingAlgorithm', 'publicKeyFingerprint'].sort(),
    );
    expect(JSON.stringify(sent.request)).not.toContain('issuer-bank'); // the tokens travel encrypted only
    expect(sent.status).toBe(200);
    const ack = ntuAckSchema.strict().parse(sent.body);
    expect(ack.responseHost).toBe('gateway.example');

    // The Get Asset calls happen in the background, before anyone asked for the card.
    await service.services.deps.prewarmer.idle();
    const counts = service.simulator.counts();
    expect(counts[`asset:${fixtures.spareBackgrounds[0]}`]).toBe(1);
    expect(counts['asset:issuer-bank']).toBe(1);
    expect(counts['asset:brand-circles']).toBe(1);
    expect(counts.asset).toBe(3);

    const record = await (await get(`/v1/tokens/${T1}`)).json();
    expect(record).toMatchObject({
      tokenUniqueReference: T1,
      status: 'ACTIVE',
      accountPanSuffix: '1234',
      tokenPanSuffix: '0001',
      tokenRequestorId: '50110030273',
      statusTimestamp: '2026-11-30T10:00:00.000Z',
      productConfig: { cardBackgroundAssetId: fixtures.spareBackgrounds[0], foregroundColor: 'ffffff', isCoBranded: false },
    });
    // Expiry and extra fields are not kept: the record has these fields only, and none holds an expiry or the issuer name.
    expect(Object.keys(record).sort()).toEqual(
      ['accountPanSuffix', 'cardArtUrl', 'productConfig', 'status', 'statusTimestamp', 'tokenPanSuffix', 'tokenRequestorId', 'tokenUniqueReference', 'updatedAt'],
    );
    expect(Object.keys(record.productConfig).sort()).toEqual(['brandLogoAssetId', 'cardBackgroundAssetId', 'foregroundColor', 'isCoBranded', 'issuerLogoAssetId']);
    const values = [...Object.values(record), ...Object.values(record.productConfig)];
    expect(values.filter((value) => value === '1230' || value === '1229' || value === 'Test Bank')).toEqual([]);

    const redirect = await get(`/v1/tokens/${T1}/card-art?width=384&format=webp`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('cache-control')).toBe('private, no-cache');
    const location = new URL(redirect.headers.get('location')!, service.baseUrl);
    expect(location.pathname).toBe('/v1/card-art');
    expect(location.searchParams.get('text')).toBe('•••• 1234');
    expect(location.searchParams.get('cardBackgroundAssetId')).toBe(fixtures.spareBackgrounds[0]);
    expect(location.searchParams.get('width')).toBe('384');
    expect(location.searchParams.get('format')).toBe('webp');
    expect(record.cardArtUrl).toBe(`${location.pathname}?${[...location.searchParams].filter(([k]) => k !== 'width' && k !== 'format').map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%20/g, '+')}`).join('&')}`);

    const image = await fetch(location);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect(image.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(service.simulator.counts().asset).toBe(3); // the card used the pre-warmed assets
  });

  it('acknowledges the same requestId again without doing the work twice', async () => {
    const first = await ntu.send(service.baseUrl, [token({ statusTimestamp: '2026-11-30T11:00:00.000Z', status: 'SUSPENDED' })]);
    expect(first.status).toBe(200);
    const before = await (await get(`/v1/tokens/${T1}`)).json();
    expect(before.status).toBe('SUSPENDED');
    service.simulator.resetCounts();
    // A retry carries the same requestId; here it also brings a newer state, which would be recorded if it were redone.
    const retry = await ntu.send(service.baseUrl, [token({ statusTimestamp: '2026-11-30T12:00:00.000Z', status: 'ACTIVE', productConfig: { cardBackgroundAssetId: fixtures.spareBackgrounds[1] } })], {
      requestId: first.request.requestId,
    });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body); // the same ack, responseId included
    await service.services.deps.prewarmer.idle();
    expect(service.simulator.counts().asset ?? 0).toBe(0);
    expect(await (await get(`/v1/tokens/${T1}`)).json()).toEqual(before);
  });

  it('keeps the stored record when a notification is older than it', async () => {
    const before = await (await get(`/v1/tokens/${T1}`)).json();
    const older = await ntu.send(service.baseUrl, [
      token({ statusTimestamp: '2026-11-29T09:00:00+01:00', productConfig: { cardBackgroundAssetId: fixtures.spareBackgrounds[2] } }),
    ]);
    expect(older.status).toBe(200);
    await service.services.deps.prewarmer.idle();
    expect(await (await get(`/v1/tokens/${T1}`)).json()).toEqual(before);
    expect(service.simulator.counts()[`asset:${fixtures.spareBackgrounds[2]}`]).toBeUndefined();
  });

  it('a newer notification without productConfig keeps the art; deactivation answers 410', async () => {
    const update = await ntu.send(service.baseUrl, [
      { tokenUniqueReference: T1, status: 'ACTIVE', statusTimestamp: '2026-11-30T13:00:00.000Z' },
    ]);
    expect(update.status).toBe(200);
    const active = await (await get(`/v1/tokens/${T1}`)).json();
    expect(active.status).toBe('ACTIVE');
    expect(active.productConfig.cardBackgroundAssetId).toBe(fixtures.spareBackgrounds[0]);
    expect(active.accountPanSuffix).toBe('1234');

    const deactivate = await ntu.send(service.baseUrl, [
      { tokenUniqueReference: T1, status: 'DEACTIVATED', eventReasonCode: 'ACCOUNT_CLOSED', statusTimestamp: '2026-11-30T14:00:00.000Z' },
    ]);
    expect(deactivate.status).toBe(200);
    for (const path of [`/v1/tokens/${T1}/card-art`, `/v1/tokens/${T1}`]) {
      const gone = await get(path);
      expect(gone.status).toBe(410);
      expect((await gone.json()).error.code).toBe('TOKEN_DEACTIVATED');
    }
  });

  it('acknowledges a replayed payload under a new requestId without doing anything (issue #22 row 6: art rolled back)', async () => {
    const ref = 'DWSPMC0000000000REPLAY';
    // Notifications without a statusTimestamp: A, then B. A captured A re-sent under a new requestId changes nothing.
    const artA = { cardBackgroundAssetId: fixtures.spareBackgrounds[5] };
    const artB = { cardBackgroundAssetId: fixtures.spareBackgrounds[6] };
    const a = await ntu.send(service.baseUrl, [token({ tokenUniqueReference: ref, statusTimestamp: undefined, productConfig: artA })]);
    const b = await ntu.send(service.baseUrl, [token({ tokenUniqueReference: ref, statusTimestamp: undefined, productConfig: artB })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await (await get(`/v1/tokens/${ref}`)).json()).productConfig.cardBackgroundAssetId).toBe(artB.cardBackgroundAssetId);
    const replays = [
      { ...a.request, requestId: randomUUID() },
      // Hex case and the IV changed, the wrapped key kept: still the same payload.
      { ...a.request, requestId: randomUUID(), encryptedPayload: { ...a.request.encryptedPayload, encryptedKey: a.request.encryptedPayload.encryptedKey!.toUpperCase() } },
    ];
    for (const replay of replays) {
      const answer = await sendRaw(ntuUrl(), { body: JSON.stringify(replay) });
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual(a.body); // the first answer, responseId included
    }
    expect((await (await get(`/v1/tokens/${ref}`)).json()).productConfig.cardBackgroundAssetId).toBe(artB.cardBackgroundAssetId);

    // Once the record has a statusTimestamp, a fresh notification without one (a new payload) does not replace it either.
    expect((await ntu.send(service.baseUrl, [token({ tokenUniqueReference: ref, statusTimestamp: '2026-11-30T10:00:00.000Z', productConfig: artA })])).status).toBe(200);
    const untimed = await ntu.send(service.baseUrl, [token({ tokenUniqueReference: ref, statusTimestamp: undefined, productConfig: artB })]);
    expect(untimed.status).toBe(200);
    const record = await (await get(`/v1/tokens/${ref}`)).json();
    expect([record.productConfig.cardBackgroundAssetId, record.statusTimestamp]).toEqual([artA.cardBackgroundAssetId, '2026-11-30T10:00:00.000Z']);
  });

  it('refuses a token whose statusTimestamp is more than 5 minutes ahead (400, nothing written)', async () => {
    const ref = 'DWSPMC0000000000FUTURE';
    const sent = await ntu.send(service.baseUrl, [token({ tokenUniqueReference: 'DWSPMC0000000000FINE' }), token({ tokenUniqueReference: ref, statusTimestamp: '9999-12-31T23:59:59Z' })]);
    expect(sent.status).toBe(400);
    expect(expectMdesError(sent.body, 'STATUS_TIMESTAMP_IN_FUTURE').errorDescription).toContain('tokens.1.statusTimestamp');
    expect((await get(`/v1/tokens/${ref}`)).status).toBe(404);
    expect((await get('/v1/tokens/DWSPMC0000000000FINE')).status).toBe(404);
  });

  it('answers 404 TOKEN_NOT_FOUND for an unknown token and 400 for a bad reference or width', async () => {
    for (const path of ['/v1/tokens/DWSPMC0000000000UNKNOWN', '/v1/tokens/DWSPMC0000000000UNKNOWN/card-art']) {
      const missing = await get(path);
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe('TOKEN_NOT_FOUND');
    }
    expect((await (await get('/v1/tokens/bad%20ref')).json()).error.code).toBe('INVALID_TOKEN_REFERENCE');
    await ntu.send(service.baseUrl, [token({ tokenUniqueReference: 'DWSPMC0000000000WIDTH', statusTimestamp: undefined })]);
    expect((await (await get('/v1/tokens/DWSPMC0000000000WIDTH/card-art?width=333')).json()).error.code).toBe('INVALID_WIDTH');
    expect((await (await get('/v1/tokens/DWSPMC0000000000WIDTH/card-art?format=gif')).json()).error.code).toBe('INVALID_FORMAT');
  });
});

describe('Notify Token Updated: bad requests get MDES error shape', () => {
  it('503 NTU_KEY_UNKNOWN + Retry-After for a payload made for a key we do not hold (MDES retries while it is added)', async () => {
    const stranger = createNtuSender({ certificatePem: generateEncryptionKeyPair('someone else').certificatePem, oaepDigest: 'SHA512' });
    const sent = await stranger.send(service.baseUrl, [token({ tokenUniqueReference: 'DWSPMC0000000000STRANGER' })]);
    expect(sent.status).toBe(503);
    expect(sent.retryAfter).toBe('60');
    expect(expectMdesError(sent.body, 'NTU_KEY_UNKNOWN').errors[0]?.recoverable).toBe(true);
    expect((await get('/v1/tokens/DWSPMC0000000000STRANGER')).status).toBe(404);
  });

  it('400 PAYLOAD_UNDECRYPTABLE for a payload that names our key but does not open with it', async () => {
    const genuine = await ntu.send(`${service.baseUrl}/no-such-prefix`, [token({ tokenUniqueReference: 'DWSPMC0000000000FORGED' })]);
    const forged = { ...genuine.request, requestId: randomUUID(), encryptedPayload: { ...genuine.request.encryptedPayload, encryptedKey: randomBytes(256).toString('hex') } };
    const sent = await sendRaw(ntuUrl(), { body: JSON.stringify(forged) });
    expect(sent.status).toBe(400);
    expectMdesError(sent.json(), 'PAYLOAD_UNDECRYPTABLE');
    expect((await get('/v1/tokens/DWSPMC0000000000FORGED')).status).toBe(404);
  });

  it('400 INVALID_NOTIFICATION for a malformed envelope or tokens, never echoing a value', async () => {
    const noRequestId = await sendRaw(ntuUrl(), { body: JSON.stringify({ encryptedPayload: { encryptedData: 'ab' } }) });
    expect(noRequestId.status).toBe(400);
    expectMdesError(noRequestId.json(), 'INVALID_NOTIFICATION');

    const fullPan = await ntu.send(service.baseUrl, [token({ tokenInfo: { accountPanSuffix: '5555444433331111' } })]);
    expect(fullPan.status).toBe(400);
    const body = expectMdesError(fullPan.body, 'INVALID_NOTIFICATION');
    expect(body.errorDescription).toContain('tokens.0.tokenInfo.accountPanSuffix');
    expect(JSON.stringify(fullPan.body)).not.toContain('5555444433331111');

    const badStatus = await ntu.send(service.baseUrl, [token({ status: 'LOST' })]);
    expectMdesError(badStatus.body, 'INVALID_NOTIFICATION');
    const badAsset = await ntu.send(service.baseUrl, [token({ productConfig: { cardBackgroundAssetId: '../etc/passwd' } })]);
    expect(badAsset.status).toBe(400);
    expectMdesError(badAsset.body, 'INVALID_ASSET_ID');

    const notJson = await sendRaw(ntuUrl(), { body: '{"requestId":' });
    expect(notJson.status).toBe(400);
    expectMdesError(notJson.json(), 'INVALID_JSON');
  });

  it('bounds the body size and the tokens per request', async () => {
    const huge = JSON.stringify({ requestId: 'r1', encryptedPayload: { encryptedData: 'a'.repeat(1100 * 1024) } });
    const tooLarge = await sendRaw(ntuUrl(), { body: huge });
    expect(tooLarge.status).toBe(413);
    expectMdesError(tooLarge.json(), 'PAYLOAD_TOO_LARGE');

    const many = Array.from({ length: 101 }, (_, i) => token({ tokenUniqueReference: `DWSPMC0000000000MANY${i}` }));
    const tooMany = await ntu.send(service.baseUrl, many);
    expect(tooMany.status).toBe(400);
    expect(expectMdesError(tooMany.body, 'INVALID_NOTIFICATION').errorDescription).toContain('tokens');
  });

  it('acknowledges 100 tokens at once, with their pre-warm still running in the background', async () => {
    service.simulator.faults.inject('*', { kind: 'latency', ms: 300 });
    try {
      const tokens = Array.from({ length: 100 }, (_, i) =>
        token({ tokenUniqueReference: `DWSPMC0000000000HUNDRED${i}`, productConfig: { cardBackgroundAssetId: `bg-spare-${3 + (i % 13)}`, issuerLogoAssetId: `cold-issuer-${i}` } }),
      );
      const sent = await ntu.send(service.baseUrl, tokens);
      expect(sent.status).toBe(200);
      // 113 distinct asset IDs, each 300 ms upstream at 4 at a time: the ack could not have waited for them.
      expect(service.services.deps.prewarmer.pending()).toBeGreaterThan(50);
      const last = await (await get('/v1/tokens/DWSPMC0000000000HUNDRED99')).json();
      expect(last.productConfig.issuerLogoAssetId).toBe('cold-issuer-99');
    } finally {
      service.simulator.faults.clear();
    }
    await service.services.deps.prewarmer.idle();
  });
});

describe('Notify Token Updated: callers, configuration and overload', () => {
  it('NTU_ALLOWED_IPS refuses other callers with 403 and honours TRUST_PROXY', async () => {
    const guarded = await startTestService(fixtures.dir, { NTU_ALLOWED_IPS: '127.0.0.1', TRUST_PROXY: '127.0.0.3' });
    try {
      const body = JSON.stringify({ requestId: randomUUID(), responseHost: 'mdes', encryptedPayload: (await encryptedFor(guarded)).encryptedPayload });
      const url = `${guarded.baseUrl}/digitization/static/1/0/notifyTokenUpdated`;
      const refused = await sendRaw(url, { body, localAddress: '127.0.0.2' });
      expect(refused.status).toBe(403);
      expectMdesError(refused.json(), 'NTU_CALLER_NOT_ALLOWED');
      const allowed = await sendRaw(url, { body, localAddress: '127.0.0.1' });
      expect(allowed.status).toBe(200);
      // Through the trusted proxy (127.0.0.3) the forwarded address counts, not the proxy's.
      const forwardedStranger = await sendRaw(url, { body, localAddress: '127.0.0.3', headers: { 'x-forwarded-for': '192.0.2.7' } });
      expect(forwardedStranger.status).toBe(403);
      const forwardedAllowed = await sendRaw(url, { body, localAddress: '127.0.0.3', headers: { 'x-forwarded-for': '127.0.0.1' } });
      expect(forwardedAllowed.status).toBe(200);
      // An untrusted client cannot claim an allowed address.
      const spoofed = await sendRaw(url, { body, localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '127.0.0.1' } });
      expect(spoofed.status).toBe(403);
    } finally {
      await guarded.close();
    }
  });

  it('NTU_RATE_LIMIT_PER_SECOND answers 503 RATE_LIMITED + Retry-After (which MDES retries) per client, before reading the body', async () => {
    const limited = await startTestService(fixtures.dir, { NTU_RATE_LIMIT_PER_SECOND: '2' });
    try {
      const url = `${limited.baseUrl}/digitization/1/0/notifyTokenUpdated`;
      // Malformed bodies cost nothing to make; the limit counts requests, whatever they hold.
      const answers = await Promise.all(Array.from({ length: 4 }, () => sendRaw(url, { body: '{}', localAddress: '127.0.0.51' }).catch(() => undefined)));
      const statuses = answers.map((answer) => answer?.status ?? 'reset').sort();
      expect(statuses.filter((status) => status === 400)).toHaveLength(2);
      for (const answer of answers.filter((a) => a?.status === 503)) {
        expect(answer!.headers['retry-after']).toBe('1');
        expect(answer!.headers.connection).toBe('close');
        expect(expectMdesError(answer!.json(), 'RATE_LIMITED').errors[0]?.recoverable).toBe(true);
      }
      expect(statuses.filter((status) => status !== 400).every((status) => status === 503 || status === 'reset')).toBe(true);
      // Another address has its own allowance.
      expect((await sendRaw(url, { body: '{}', localAddress: '127.0.0.52' })).status).toBe(400);
    } finally {
      await limited.close();
    }
  });

  it('answers 501 NOT_CONFIGURED without a decryption key, and 503 + Retry-After when the pre-warm queue is full', async () => {
    const store = createMemoryStore({ maxBytes: 1 << 20 });
    const log = pino({ level: 'silent' });
    const slowLoads: Array<() => void> = [];
    const prewarmer = createAssetPrewarmer({
      isCached: async () => false,
      load: () => new Promise<void>((resolve) => slowLoads.push(resolve)),
      log,
      concurrency: 1,
      queueLimit: 3,
    });
    const pair = generateEncryptionKeyPair('queue test');
    const provisioning = { encryptionCertificatePem: undefined, oaepDigest: 'SHA512' as const, decryptionKey: undefined, apiTokens: undefined, ntuResponseHost: 'gw', ntuAllowedIps: undefined, ntuRateLimitPerSecond: 0 };
    const base = service.services.deps;
    const withKey = await createTokenServices({ store, prewarmer, provisioning, decryptionKeys: [pair], simulator: undefined, demoCards: [], log });
    const withoutKey = await createTokenServices({ store, prewarmer, provisioning, decryptionKeys: [], simulator: undefined, demoCards: [], log });
    const sender = createNtuSender({ certificatePem: pair.certificatePem, oaepDigest: 'SHA512' });
    for (const [tokens, check] of [
      [withoutKey, async (url: string) => {
        const sent = await sender.send(url, [token()]);
        expect(sent.status).toBe(501);
        expectMdesError(sent.body, 'NOT_CONFIGURED');
      }],
      [withKey, async (url: string) => {
        // Three new asset IDs: one loading, two waiting in a queue of 3; the next notification's two do not fit.
        const first = await sender.send(url, [token()]);
        expect(first.status).toBe(200);
        const secondToken = token({ tokenUniqueReference: 'DWSPMC0000000000SECOND', productConfig: { cardBackgroundAssetId: 'other-bg', issuerLogoAssetId: 'other-issuer' } });
        const second = await sender.send(url, [secondToken]);
        expect(second.status).toBe(503);
        expect(second.retryAfter).toBe('5');
        expect(expectMdesError(second.body, 'PREWARM_QUEUE_FULL').errors[0]?.recoverable).toBe(true);
        // Refused before anything was written: never a 503 after a write (issue #22 row 6).
        expect(await withKey.records.get('DWSPMC0000000000SECOND')).toBeUndefined();
        // MDES retries the same requestId later: once the queue drains it is handled, not answered from memory.
        while (slowLoads.length > 0 || prewarmer.pending() > 0) {
          slowLoads.shift()?.();
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const retried = await sender.send(url, [secondToken], { requestId: second.request.requestId });
        expect(retried.status).toBe(200);
        expect((await withKey.records.get('DWSPMC0000000000SECOND'))?.productConfig?.cardBackgroundAssetId).toBe('other-bg');
        while (slowLoads.length > 0) slowLoads.shift()?.();
      }],
    ] as const) {
      const app = createApp({ ...base, tokens });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        await check(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});

/** A real encrypted request for `target`'s key, as its simulator sends it, captured by a local listener. */
async function encryptedFor(target: TestService) {
  const sender = target.simulator.ntu!;
  let body = '';
  const listener = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  await sender.send(`http://127.0.0.1:${(listener.address() as AddressInfo).port}`, [token({ tokenUniqueReference: 'DWSPMC0000000000IPCHECK' })]);
  await new Promise((resolve) => listener.close(resolve));
  return JSON.parse(body) as { encryptedPayload: unknown };
}
