import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFaultInjector } from '../../src/simulator/fault-injector.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { createOAuthSigner } from '../../src/upstream/oauth-signer.ts';
import { generateTestKeyPair } from '../support/test-keys.ts';

const keys = generateTestKeyPair();
const signer = createOAuthSigner({ consumerKey: 'sim-test', signingKeyPem: keys.privateKeyPem });
const ASSET = '/assets/static/1/0/asset';
const CONNECT = '/connect/1/0/getEligibleTokenRequestors';
let dir: string;
let simulator: RunningSimulator;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'card-art-sim-'));
  writeFileSync(path.join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
  writeFileSync(path.join(dir, 'broken.json'), '{"mediaContents": [ not json');
  writeFileSync(
    path.join(dir, 'token-requestors.json'),
    JSON.stringify({
      tokenRequestors: [
        { tokenRequestorId: '1', name: 'Ranged', imageAssetId: 'icon', tokenRequestorType: 'WALLET', enabledAccountRanges: ['5412'] },
        { tokenRequestorId: '2', name: 'Everyone', imageAssetId: 'icon', tokenRequestorType: 'MERCHANT' },
      ],
    }),
  );
  // No verifyKeyPem: only the header's shape and body hash are checked.
  simulator = await startSimulator({ assetDir: dir });
});
afterAll(async () => {
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  simulator.faults.clear();
  simulator.resetCounts();
});

function signedFetch(pathAfterBase: string, init: { method?: string; body?: string } = {}) {
  const url = `${simulator.baseUrl}${pathAfterBase}`;
  const method = init.method ?? 'GET';
  return fetch(url, {
    method,
    body: init.body,
    headers: { Authorization: signer.authorizationHeader(url, method, init.body), 'Content-Type': 'application/json' },
  });
}

describe('startSimulator', () => {
  it('listens on an ephemeral port under /mdes', () => {
    expect(simulator.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mdes$/);
  });

  it('answers 401 in the gateway shape without an OAuth header, or with a malformed one', async () => {
    for (const authorization of [undefined, 'Bearer abc', 'OAuth garbage']) {
      const response = await fetch(`${simulator.baseUrl}${ASSET}/icon`, { headers: authorization ? { Authorization: authorization } : {} });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { Errors: { Error: Array<Record<string, unknown>> } };
      expect(body.Errors.Error[0]).toMatchObject({ Source: 'Gateway', ReasonCode: 'AUTHENTICATION_FAILED', Recoverable: false });
      expect(typeof body.Errors.Error[0]!.Description).toBe('string');
    }
  });

  it('serves a single-file asset and a .json body verbatim (even a broken one)', async () => {
    const ok = await signedFetch(`${ASSET}/icon`);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(((await ok.json()) as { mediaContents: Array<{ type: string }> }).mediaContents[0]!.type).toBe('image/svg+xml');
    const broken = await signedFetch(`${ASSET}/broken`);
    expect(broken.status).toBe(200);
    expect(await broken.text()).toBe('{"mediaContents": [ not json');
  });

  it('answers an unknown asset with the MDES error shape and 404, and counts per route and ID', async () => {
    const response = await signedFetch(`${ASSET}/missing-id`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errorCode: 'ASSET_NOT_FOUND', errors: [{ reasonCode: 'ASSET_NOT_FOUND', recoverable: false }] });
    await signedFetch('/issuer-assets/1/0/asset/tokenrequestor/icon');
    expect((await fetch(`${simulator.baseUrl}/elsewhere`)).status).toBe(404);
    expect(simulator.counts()).toEqual({ asset: 1, 'asset:missing-id': 1, requestorAsset: 1, 'requestorAsset:icon': 1, other: 1 });
    simulator.resetCounts();
    expect(simulator.counts()).toEqual({});
  });

  it('filters token requestors by enabledAccountRanges prefix and validates the request', async () => {
    const matching = await signedFetch(CONNECT, { method: 'POST', body: JSON.stringify({ requestId: 'a', accountRanges: ['541234567'] }) });
    expect(((await matching.json()) as { tokenRequestors: Array<{ name: string }> }).tokenRequestors.map((r) => r.name)).toEqual(['Ranged', 'Everyone']);
    const other = await signedFetch(CONNECT, { method: 'POST', body: JSON.stringify({ requestId: 'b', accountRanges: ['222100000'] }) });
    const otherBody = (await other.json()) as { responseId: string; tokenRequestors: Array<{ name: string }> };
    expect(otherBody.tokenRequestors.map((r) => r.name)).toEqual(['Everyone']);
    expect(otherBody.responseId).toEqual(expect.any(String));
    const invalid = await signedFetch(CONNECT, { method: 'POST', body: JSON.stringify({ requestId: 'c', accountRanges: ['12'] }) });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ errorCode: 'INVALID_FIELD_VALUE' });
  });

  it('rejects a body whose oauth_body_hash does not match', async () => {
    const url = `${simulator.baseUrl}${CONNECT}`;
    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ accountRanges: ['541234567'] }),
      headers: { Authorization: signer.authorizationHeader(url, 'POST', '{"other":true}') },
    });
    expect(response.status).toBe(401);
  });

  it('injects status faults for a target for N requests, then serves normally', async () => {
    simulator.faults.inject('icon', { kind: 'status', status: 502 }, 2);
    expect((await signedFetch(`${ASSET}/icon`)).status).toBe(502);
    expect((await signedFetch(`${ASSET}/icon`)).status).toBe(502);
    expect((await signedFetch(`${ASSET}/icon`)).status).toBe(200);
  });

  it('sends Retry-After with an injected 429', async () => {
    simulator.faults.inject('*', { kind: '429', retryAfterSeconds: 7 }, 1);
    const response = await signedFetch(`${ASSET}/icon`);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('sends invalid JSON with 200 on an invalid-json fault', async () => {
    simulator.faults.inject('tokenRequestors', { kind: 'invalid-json' }, 1);
    const response = await signedFetch(CONNECT, { method: 'POST', body: JSON.stringify({ accountRanges: ['541234567'] }) });
    expect(response.status).toBe(200);
    await expect(response.clone().json()).rejects.toThrow();
  });

  it('cuts the body off on a truncate fault', async () => {
    simulator.faults.inject('icon', { kind: 'truncate' }, 1);
    const response = await signedFetch(`${ASSET}/icon`);
    await expect(response.text()).rejects.toThrow();
  });

  it('drops the connection on a reset fault', async () => {
    simulator.faults.inject('icon', { kind: 'reset' }, 1);
    await expect(signedFetch(`${ASSET}/icon`)).rejects.toThrow();
  });
});

describe('per-ID counters', () => {
  it('are bounded: 300 distinct IDs leave at most maxCountedIds counters, the most recent ones', async () => {
    // Before, every ID ever asked for kept a counter (120k IDs: RSS 141 → 320 MB).
    const bounded = await startSimulator({ assetDir: dir, maxCountedIds: 50 });
    try {
      for (let i = 0; i < 300; i++) {
        const response = await fetch(`${bounded.baseUrl}${ASSET}/flood-${i}`, { headers: { Authorization: signer.authorizationHeader(`${bounded.baseUrl}${ASSET}/flood-${i}`, 'GET', undefined) } });
        await response.arrayBuffer();
      }
      expect(bounded.countedIds()).toBe(50);
      expect(bounded.counts().asset).toBe(300);
      expect(bounded.counts()['asset:flood-299']).toBe(1);
      expect(bounded.counts()['asset:flood-0']).toBeUndefined();
    } finally {
      await bounded.close();
    }
  });
});

describe('createFaultInjector', () => {
  it('applies faults in order, own target before "*", and clears', () => {
    const faults = createFaultInjector();
    faults.inject('a', { kind: 'reset' }, 1);
    faults.inject('a', { kind: 'truncate' }, 2);
    faults.inject('*', { kind: 'invalid-json' });
    expect(faults.take('a')).toEqual({ kind: 'reset' });
    expect(faults.take('a')).toEqual({ kind: 'truncate' });
    expect(faults.take('b')).toEqual({ kind: 'invalid-json' });
    expect(faults.take('a')).toEqual({ kind: 'truncate' });
    expect(faults.take('a')).toEqual({ kind: 'invalid-json' });
    faults.clear('*');
    expect(faults.take('a')).toBeUndefined();
    faults.inject('c', { kind: 'latency', ms: 5 });
    faults.clear();
    expect(faults.take('c')).toBeUndefined();
    expect(() => faults.inject('c', { kind: 'reset' }, 0)).toThrow(RangeError);
  });
});
