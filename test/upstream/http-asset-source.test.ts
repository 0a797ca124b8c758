import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { createOAuthSigner, type RequestSigner } from '../../src/upstream/oauth-signer.ts';
import { generateTestKeyPair } from '../support/test-keys.ts';
import { clientFor, makeAssetFolder, REQUESTORS, startSimulator, TEST_PATHS } from './upstream-fixtures.ts';
import { createHttpAssetSource } from '../../src/upstream/http-asset-source.ts';
import { waitFor } from '../hardening/harness.ts';

const keys = generateTestKeyPair();
const signer: RequestSigner = createOAuthSigner({ consumerKey: 'test-consumer-key!abc', signingKeyPem: keys.privateKeyPem });
let folder: { dir: string; remove(): void };
let simulator: RunningSimulator;

beforeAll(async () => {
  folder = await makeAssetFolder();
  simulator = await startSimulator({ assetDir: folder.dir, verifyKeyPem: keys.publicKeyPem });
});
afterAll(async () => {
  await simulator.close();
  folder.remove();
});
afterEach(() => {
  simulator.faults.clear();
  simulator.resetCounts();
});

type Body = { mediaContents: Array<{ type: string; data: string; width?: string; height?: string }> };

describe('createHttpAssetSource against the simulator (signature verified)', () => {
  it.each([
    ['bg-png', 'image/png', '\x89PNG'],
    ['logo-pdf', 'application/pdf', '%PDF'],
    ['logo-svg', 'image/svg+xml', '<svg'],
  ])('fetches %s as one %s entry with base64 data', async (id, type, magic) => {
    const client = clientFor(simulator, signer);
    const body = (await client.getAsset(id)) as Body;
    expect(body.mediaContents).toHaveLength(1);
    expect(body.mediaContents[0]!.type).toBe(type);
    expect(Buffer.from(body.mediaContents[0]!.data, 'base64').subarray(0, magic.length).toString('latin1')).toBe(magic);
    expect(client.stats()).toEqual({ calls: { asset: 1 }, errors: {}, retries: 0 });
    expect(simulator.counts()[`asset:${id}`]).toBe(1);
  });

  it('passes a multi-entry body through verbatim', async () => {
    const body = (await clientFor(simulator, signer).getAsset('multi')) as Body;
    expect(body.mediaContents.map((entry) => entry.type)).toEqual(['application/pdf', 'image/png', 'image/png']);
    expect(body.mediaContents[1]).toMatchObject({ width: '40', height: '25' });
  });

  it('fetches token requestors filtered by account range, and their logos', async () => {
    const client = clientFor(simulator, signer);
    const result = await client.getEligibleTokenRequestors(['5123456789012']);
    expect(result.tokenRequestors.map((r) => r.name)).toEqual(['Tailspin Pay', 'Everywhere Wallet']);
    expect(typeof result.responseId).toBe('string');
    const all = await client.getEligibleTokenRequestors(['5123456789012', '540000000012']);
    expect(all.tokenRequestors).toHaveLength(REQUESTORS.length);
    const logo = (await client.getTokenRequestorAsset('logo-svg')) as Body;
    expect(logo.mediaContents[0]!.type).toBe('image/svg+xml');
    expect(client.stats().calls).toEqual({ tokenRequestors: 2, requestorAsset: 1 });
    expect(simulator.counts()).toMatchObject({ tokenRequestors: 2, requestorAsset: 1, 'requestorAsset:logo-svg': 1 });
  });

  it('validates IDs and ranges before any request', async () => {
    const client = clientFor(simulator, signer);
    await expect(client.getAsset('../secret')).rejects.toMatchObject({ status: 400, code: 'INVALID_ASSET_ID' });
    await expect(client.getTokenRequestorAsset('a/b')).rejects.toMatchObject({ code: 'INVALID_ASSET_ID' });
    await expect(client.getEligibleTokenRequestors(['123'])).rejects.toMatchObject({ status: 400, code: 'INVALID_ACCOUNT_RANGES' });
    expect(simulator.counts()).toEqual({});
  });

  it('maps an unknown asset to 404 ASSET_NOT_FOUND without retrying', async () => {
    const client = clientFor(simulator, signer);
    await expect(client.getAsset('no-such-asset')).rejects.toMatchObject({ status: 404, code: 'ASSET_NOT_FOUND' });
    await expect(client.getTokenRequestorAsset('no-such-logo')).rejects.toMatchObject({ status: 404, code: 'ASSET_NOT_FOUND' });
    expect(simulator.counts()).toMatchObject({ asset: 1, requestorAsset: 1 });
    expect(client.stats()).toMatchObject({ retries: 0, errors: { ASSET_NOT_FOUND: 2 } });
  });

  it('does not retry other 4xx and reports the upstream reason code', async () => {
    simulator.faults.inject('bg-png', { kind: 'status', status: 400, body: { errorCode: 'INVALID_FIELD_VALUE', errorDescription: 'bad' } });
    const client = clientFor(simulator, signer);
    const error = await client.getAsset('bg-png').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'UPSTREAM_ERROR' });
    expect((error as Error).message).toContain('INVALID_FIELD_VALUE');
    expect(simulator.counts().asset).toBe(1);
  });

  it('retries 5xx and succeeds, counting the retries', async () => {
    simulator.faults.inject('bg-png', { kind: 'status', status: 503 }, 2);
    const client = clientFor(simulator, signer);
    await expect(client.getAsset('bg-png')).resolves.toHaveProperty('mediaContents');
    expect(client.stats()).toEqual({ calls: { asset: 1 }, errors: {}, retries: 2 });
    expect(simulator.counts().asset).toBe(3);
  });

  it('gives up on persistent 5xx after maxAttempts with 502 UPSTREAM_ERROR', async () => {
    simulator.faults.inject('*', { kind: 'status', status: 500 });
    const client = clientFor(simulator, signer);
    await expect(client.getAsset('bg-png')).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_ERROR' });
    expect(simulator.counts().asset).toBe(3);
    expect(client.stats()).toMatchObject({ retries: 2, errors: { UPSTREAM_ERROR: 1 } });
  });

  it('times out a slow upstream per attempt and fails with 504 after bounded attempts', async () => {
    simulator.faults.inject('bg-png', { kind: 'latency', ms: 5000 });
    // 1 s per attempt, not less: on a loaded 2-core box a shorter attempt can end before the simulator has even
    // counted the request, and the count below is what proves there were exactly two attempts.
    const client = clientFor(simulator, signer, { timeoutMs: 1000, maxAttempts: 2 });
    await expect(client.getAsset('bg-png')).rejects.toMatchObject({ status: 504, code: 'UPSTREAM_TIMEOUT' });
    expect(simulator.counts().asset).toBe(2);
    expect(client.stats().retries).toBe(1);
  });

  it('waits out latency below the timeout', async () => {
    simulator.faults.inject('bg-png', { kind: 'latency', ms: 50 }, 1);
    await expect(clientFor(simulator, signer, { timeoutMs: 2000 }).getAsset('bg-png')).resolves.toHaveProperty('mediaContents');
  });

  it('honours a short Retry-After on 429 and then succeeds', async () => {
    simulator.faults.inject('bg-png', { kind: '429', retryAfterSeconds: 1 }, 1);
    const client = clientFor(simulator, signer);
    await expect(client.getAsset('bg-png')).resolves.toHaveProperty('mediaContents');
    expect(client.stats().retries).toBe(1);
    expect(simulator.counts().asset).toBe(2);
  });

  it('fails at once with 503 UPSTREAM_RATE_LIMITED when Retry-After is too long', async () => {
    simulator.faults.inject('bg-png', { kind: '429', retryAfterSeconds: 120 });
    const error = await clientFor(simulator, signer).getAsset('bg-png').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 120 });
    expect(simulator.counts().asset).toBe(1);
  });

  it('retries a connection reset, and reports 502 UPSTREAM_UNREACHABLE when it persists', async () => {
    simulator.faults.inject('bg-png', { kind: 'reset' }, 1);
    const client = clientFor(simulator, signer);
    await expect(client.getAsset('bg-png')).resolves.toHaveProperty('mediaContents');
    expect(client.stats().retries).toBe(1);
    simulator.faults.inject('bg-png', { kind: 'reset' });
    await expect(client.getAsset('bg-png')).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_UNREACHABLE' });
  });

  it('retries a truncated body, and reports 502 UPSTREAM_BODY_INVALID when it persists', async () => {
    simulator.faults.inject('multi', { kind: 'truncate' }, 1);
    const client = clientFor(simulator, signer);
    await expect(client.getAsset('multi')).resolves.toHaveProperty('mediaContents');
    simulator.faults.inject('multi', { kind: 'truncate' });
    await expect(client.getAsset('multi')).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_BODY_INVALID' });
    expect(simulator.counts()['asset:multi']).toBe(2 + 3);
  });

  it('maps invalid JSON to 502 UPSTREAM_BODY_INVALID without retrying', async () => {
    simulator.faults.inject('bg-png', { kind: 'invalid-json' });
    await expect(clientFor(simulator, signer).getAsset('bg-png')).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_BODY_INVALID' });
    expect(simulator.counts().asset).toBe(1);
  });

  it('passes invalid base64 through untouched (decoding is the core’s job)', async () => {
    simulator.faults.inject('multi', { kind: 'invalid-base64' });
    const body = (await clientFor(simulator, signer).getAsset('multi')) as Body;
    expect(body.mediaContents).toHaveLength(3);
    expect(body.mediaContents[0]!.data).toBe('%%% not base64 %%%');
  });

  it('refuses a body larger than maxResponseBytes (declared by Content-Length)', async () => {
    const client = clientFor(simulator, signer, { maxResponseBytes: 10_000 });
    await expect(client.getAsset('big')).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_RESPONSE_TOO_LARGE' });
    await expect(client.getAsset('bg-png')).resolves.toHaveProperty('mediaContents');
    expect(simulator.counts()['asset:big']).toBe(1);
  });

  it('rejects a requestor list without tokenRequestors as 502 UPSTREAM_BODY_INVALID', async () => {
    simulator.faults.inject('tokenRequestors', { kind: 'status', status: 200, body: { nothing: [] } }, 1);
    await expect(clientFor(simulator, signer).getEligibleTokenRequestors(['512345678'])).rejects.toMatchObject({
      code: 'UPSTREAM_BODY_INVALID',
    });
  });

  it('stops when the caller aborts, with 499 REQUEST_ABORTED', async () => {
    simulator.faults.inject('bg-png', { kind: 'latency', ms: 5000 });
    const controller = new AbortController();
    const pending = clientFor(simulator, signer).getAsset('bg-png', controller.signal);
    // Aborted once the request is at the (slow) upstream, however long signing and connecting took.
    await waitFor('the request to reach the upstream', () => simulator.counts().asset === 1, 10_000);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ status: 499, code: 'REQUEST_ABORTED' });
    expect(simulator.counts().asset).toBe(1);
  });

  it('maps a wrong signing key (401 at the gateway) to 502 UPSTREAM_AUTH_FAILED without leaking the header', async () => {
    const otherKeys = generateTestKeyPair();
    const wrongSigner = createOAuthSigner({ consumerKey: 'test-consumer-key!abc', signingKeyPem: otherKeys.privateKeyPem });
    const client = clientFor(simulator, wrongSigner);
    const error = (await client.getAsset('bg-png').catch((e: unknown) => e)) as Error & { code: string };
    expect(error).toMatchObject({ status: 502, code: 'UPSTREAM_AUTH_FAILED' });
    expect(error.message).toContain('MDES_CONSUMER_KEY / MDES_SIGNING_KEY');
    expect(error.message).toContain('AUTHENTICATION_FAILED');
    expect(error.message).not.toMatch(/oauth_signature|BEGIN/);
    expect(simulator.counts().asset).toBe(1);
  });
});

describe('createHttpAssetSource against raw servers', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    server?.closeAllConnections();
    server = undefined;
  });

  async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mdes`;
  }

  function client(baseUrl: string, maxResponseBytes?: number) {
    return createHttpAssetSource({ baseUrl, ...TEST_PATHS, timeoutMs: 2000, signer, backoffBaseMs: 10, maxResponseBytes });
  }

  it('refuses an endless chunked body once the streamed bytes pass the limit', async () => {
    let writtenBytes = 0;
    const baseUrl = await listen((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"mediaContents":[{"type":"image/png","data":"');
      const timer = setInterval(() => {
        writtenBytes += 4096;
        res.write('A'.repeat(4096));
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    await expect(client(baseUrl, 50_000).getAsset('endless')).rejects.toMatchObject({ code: 'UPSTREAM_RESPONSE_TOO_LARGE' });
    expect(writtenBytes).toBeLessThan(10_000_000);
  });

  it('maps the gateway error shape of a 403 to UPSTREAM_AUTH_FAILED', async () => {
    const baseUrl = await listen((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ Errors: { Error: [{ Source: 'Gateway', ReasonCode: 'PERMISSION_DENIED', Description: 'no', Recoverable: false }] } }));
    });
    const error = (await client(baseUrl).getAsset('x').catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED' });
    expect(error.message).toContain('PERMISSION_DENIED');
  });

  it('reports a closed port as 502 UPSTREAM_UNREACHABLE after the retries', async () => {
    const baseUrl = await listen(() => undefined);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const c = client(baseUrl);
    await expect(c.getAsset('x')).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_UNREACHABLE' });
    expect(c.stats()).toMatchObject({ retries: 2, errors: { UPSTREAM_UNREACHABLE: 1 } });
    await expect(c.ping()).rejects.toMatchObject({ code: 'UPSTREAM_UNREACHABLE' });
  });

  it('ping resolves on any HTTP answer', async () => {
    const baseUrl = await listen((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    await expect(client(baseUrl).ping()).resolves.toBeUndefined();
  });
});
