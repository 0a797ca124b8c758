/**
 * Upstream faults injected in the embedded simulator, seen through the real HTTP API: answers come within the
 * retry budget, retries are bounded (counted by the simulator), failures are not cached, and everything cached
 * before an outage is still served while the upstream is down.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault } from '../../src/simulator/simulator-server.ts';
import { DEFAULT_BACKOFF_BASE_MS, DEFAULT_MAX_ATTEMPTS } from '../../src/upstream/http-asset-source.ts';
import { errorBodyProblems, errorCode, makeTempDir, mapConcurrent, rawRequest, removeDir, type RawResponse } from './harness.ts';
import { startService, type RunningService } from '../support/start-service.ts';

/**
 * Per attempt: long enough that an answered attempt (a 503, a reset, the image) always comes within it on a loaded
 * machine, and that a timed-out one has reached the simulator, which counts it (at 600 ms either could miss).
 */
const UPSTREAM_TIMEOUT_MS = 1500;
/** Backoff before retries 1..n-1: base·2^(k-1) plus up to base of jitter (retry-policy.ts), capped at 2 s. */
const MAX_BACKOFF_MS = Array.from({ length: DEFAULT_MAX_ATTEMPTS - 1 }, (_, k) => Math.min(2000, DEFAULT_BACKOFF_BASE_MS * 2 ** k) + DEFAULT_BACKOFF_BASE_MS).reduce((a, b) => a + b, 0);
/**
 * The most a request may take when every attempt times out: the brief's budget plus the retry backoff, plus 2 s for
 * a loaded machine (less than one more attempt with its backoff, which the simulator's counts catch anyway).
 */
const ANSWER_BOUND_MS = UPSTREAM_TIMEOUT_MS * DEFAULT_MAX_ATTEMPTS + MAX_BACKOFF_MS + 2000;
const CACHED_IDS = Array.from({ length: 10 }, (_, i) => `cached-${i}`);
const REQUESTOR_LOGO_ID = 'requestor-logo';
const ACCOUNT_RANGE = '510000000';

function cardPaths(): string[] {
  return [
    `/v1/card-art?cardBackgroundAssetId=${CACHED_IDS[0]}&issuerLogoAssetId=${CACHED_IDS[1]}&brandLogoAssetId=${CACHED_IDS[2]}&width=256`,
    `/v1/card-art?cardBackgroundCombinedAssetId=${CACHED_IDS[3]}&width=128&format=webp&text=1234`,
  ];
}

describe('upstream faults', () => {
  let assetDir: string;
  let cacheDir: string;
  let service: RunningService;
  const cachedPaths = [
    ...CACHED_IDS.map((id) => `/v1/assets/${id}?width=128`),
    ...cardPaths(),
    `/v1/token-requestor-assets/${REQUESTOR_LOGO_ID}?format=png`,
    `/v1/token-requestor-assets/${REQUESTOR_LOGO_ID}?format=svg`,
    `/v1/token-requestors?accountRanges=${ACCOUNT_RANGE}`,
  ];

  const simulator = () => service.services.simulator!;
  const get = (pathAndQuery: string) => rawRequest(service.baseUrl, { path: pathAndQuery, timeoutMs: ANSWER_BOUND_MS });
  const attemptsFor = (id: string) => simulator().counts()[`asset:${id}`] ?? 0;

  async function addAsset(id: string, hue: number): Promise<void> {
    const png = await sharp({ create: { width: 320, height: 202, channels: 4, background: { r: hue, g: 255 - hue, b: 120, alpha: 1 } } })
      .png()
      .toBuffer();
    await writeFile(path.join(assetDir, `${id}.png`), png);
  }

  /** Injects `fault` (for `times` requests, or until cleared) on a fresh asset and asks for it once. */
  async function underFault(id: string, fault: Fault, times?: number): Promise<RawResponse> {
    await addAsset(id, 77);
    simulator().faults.inject(id, fault, times);
    try {
      return await get(`/v1/assets/${id}?width=128`);
    } finally {
      simulator().faults.clear(id);
    }
  }

  function expectError(response: RawResponse, status: number, code: string): void {
    expect({ status: response.status, code: errorCode(response) }).toEqual({ status, code });
    expect(errorBodyProblems(response)).toEqual([]);
  }

  /** Once the fault is gone, the same asset is fetched again and served (its failure was not cached). */
  async function expectRecovers(id: string): Promise<void> {
    const before = attemptsFor(id);
    const again = await get(`/v1/assets/${id}?width=128`);
    expect(again.status).toBe(200);
    expect(attemptsFor(id)).toBe(before + 1);
  }

  beforeAll(async () => {
    assetDir = await makeTempDir('faults-assets');
    cacheDir = await makeTempDir('faults-cache');
    await Promise.all(CACHED_IDS.map((id, i) => addAsset(id, i * 20)));
    await writeFile(
      path.join(assetDir, `${REQUESTOR_LOGO_ID}.svg`),
      '<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192" viewBox="0 0 192 192"><circle cx="96" cy="96" r="80" fill="#208040"/></svg>',
    );
    await writeFile(
      path.join(assetDir, 'token-requestors.json'),
      JSON.stringify({
        tokenRequestors: [
          { tokenRequestorId: '50110030273', name: 'Hardening Wallet', imageAssetId: REQUESTOR_LOGO_ID, tokenRequestorType: 'WALLET', enabledAccountRanges: [ACCOUNT_RANGE] },
        ],
      }),
    );
    // Every fault must be seen fresh here: remembered failures (NEGATIVE_CACHE_SECONDS) are tested in test/cache/negative-cache.test.ts.
    service = await startService({ SIMULATOR_ASSET_DIR: assetDir, CACHE_DIR: cacheDir, UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS), NEGATIVE_CACHE_SECONDS: '0' });
    for (const cachedPath of cachedPaths) expect((await get(cachedPath)).status).toBe(200);
  });

  afterAll(async () => {
    await service?.close();
    await removeDir(assetDir);
    await removeDir(cacheDir);
  });

  it('times out each attempt, retries a bounded number of times, answers 504 UPSTREAM_TIMEOUT in budget', async () => {
    const response = await underFault('slow', { kind: 'latency', ms: 30_000 });
    expectError(response, 504, 'UPSTREAM_TIMEOUT');
    expect(attemptsFor('slow')).toBe(DEFAULT_MAX_ATTEMPTS);
    await expectRecovers('slow');
  });

  it('rides out a 5xx burst shorter than the retry budget', async () => {
    const response = await underFault('burst', { kind: 'status', status: 503 }, DEFAULT_MAX_ATTEMPTS - 1);
    expect(response.status).toBe(200);
    expect(attemptsFor('burst')).toBe(DEFAULT_MAX_ATTEMPTS);
  });

  it('gives up on a 5xx burst longer than the retry budget with 502 UPSTREAM_ERROR', async () => {
    const response = await underFault('down', { kind: 'status', status: 500 });
    expectError(response, 502, 'UPSTREAM_ERROR');
    expect(attemptsFor('down')).toBe(DEFAULT_MAX_ATTEMPTS);
    await expectRecovers('down');
  });

  it('waits out a short 429 Retry-After and then succeeds', async () => {
    const response = await underFault('limited', { kind: '429', retryAfterSeconds: 1 }, 1);
    expect(response.status).toBe(200);
    expect(attemptsFor('limited')).toBe(2);
  });

  it('passes a long 429 on as 503 UPSTREAM_RATE_LIMITED with Retry-After, without retrying', async () => {
    const response = await underFault('limited-long', { kind: '429', retryAfterSeconds: 120 });
    expectError(response, 503, 'UPSTREAM_RATE_LIMITED');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(attemptsFor('limited-long')).toBe(1);
    await expectRecovers('limited-long');
  });

  it('retries a connection reset, and gives up with 502 UPSTREAM_UNREACHABLE when every attempt is reset', async () => {
    expect((await underFault('reset-once', { kind: 'reset' }, 1)).status).toBe(200);
    expect(attemptsFor('reset-once')).toBe(2);
    const response = await underFault('reset-always', { kind: 'reset' });
    expectError(response, 502, 'UPSTREAM_UNREACHABLE');
    expect(attemptsFor('reset-always')).toBe(DEFAULT_MAX_ATTEMPTS);
    await expectRecovers('reset-always');
  });

  it('treats a truncated body as a retryable 502 UPSTREAM_BODY_INVALID', async () => {
    const response = await underFault('truncated', { kind: 'truncate' });
    expectError(response, 502, 'UPSTREAM_BODY_INVALID');
    expect(attemptsFor('truncated')).toBe(DEFAULT_MAX_ATTEMPTS);
    await expectRecovers('truncated');
  });

  it('does not retry garbage JSON or bad base64 (the upstream would send the same again)', async () => {
    const garbage = await underFault('garbage-json', { kind: 'invalid-json' });
    expectError(garbage, 502, 'UPSTREAM_BODY_INVALID');
    expect(attemptsFor('garbage-json')).toBe(1);
    await expectRecovers('garbage-json');

    const base64 = await underFault('garbage-base64', { kind: 'invalid-base64' });
    expect(base64.status).toBe(502);
    expect(errorBodyProblems(base64)).toEqual([]);
    expect(attemptsFor('garbage-base64')).toBe(1);
    await expectRecovers('garbage-base64');
  });

  it('keeps answering /healthz while every upstream call hangs', async () => {
    simulator().faults.inject('*', { kind: 'latency', ms: 30_000 });
    try {
      const pending = get('/v1/assets/never-seen-hang?width=128');
      // Answered while the upstream call hangs (30 s): 10 s is a deadline for a loaded machine, not a measure.
      expect((await rawRequest(service.baseUrl, { path: '/healthz', timeoutMs: 10_000 })).status).toBe(200);
      expectError(await pending, 504, 'UPSTREAM_TIMEOUT');
    } finally {
      simulator().faults.clear();
    }
  });

  for (const [label, fault] of [
    ['answers 500', { kind: 'status', status: 500 }],
    ['resets every connection', { kind: 'reset' }],
    ['hangs', { kind: 'latency', ms: 30_000 }],
  ] as Array<[string, Fault]>) {
    it(`serves 100% of what it cached while the upstream ${label}`, async () => {
      simulator().faults.inject('*', fault);
      simulator().resetCounts();
      try {
        // Twice over, all at once: the memory tier and the rendered-image cache must carry all of it.
        const responses = await mapConcurrent([...cachedPaths, ...cachedPaths], 8, (p) => get(p));
        expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
        expect(simulator().counts().asset ?? 0).toBe(0);
        expect(simulator().counts().requestorAsset ?? 0).toBe(0);
        // Something never seen fails cleanly, within the budget.
        const unseen = await get('/v1/assets/never-seen?width=128');
        expect([502, 503, 504]).toContain(unseen.status);
        expect(errorBodyProblems(unseen)).toEqual([]);
      } finally {
        simulator().faults.clear();
      }
    });
  }

  it('after a restart (empty memory), serves everything it cached on disk while the upstream is down', async () => {
    await service.close();
    // Every fault must be seen fresh here: remembered failures (NEGATIVE_CACHE_SECONDS) are tested in test/cache/negative-cache.test.ts.
    service = await startService({ SIMULATOR_ASSET_DIR: assetDir, CACHE_DIR: cacheDir, UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS), NEGATIVE_CACHE_SECONDS: '0' });
    simulator().faults.inject('*', { kind: 'status', status: 503 });
    // Images only: the requestor list lives in memory (token-requestor-directory.ts), so a restart forgets it.
    const imagePaths = cachedPaths.filter((p) => !p.startsWith('/v1/token-requestors?'));
    const responses = await mapConcurrent(imagePaths, 4, (p) => get(p));
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expect(simulator().counts().asset ?? 0).toBe(0);
  });
});
