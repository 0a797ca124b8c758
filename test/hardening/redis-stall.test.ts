/**
 * Issue #22 row 7: Redis frozen (SIGSTOP of a redis-server this test started; its sockets stay open and nothing
 * answers) under `src/server.ts` with CACHE_URL. Before, the first two cold requests got no answer and were cut at
 * 30.6 s, later ones took 3.1 s. Now every Redis command has a deadline (src/cache/redis-connection.ts): a request
 * waits at most about REDIS_COMMAND_DEADLINE_MS on the frozen Redis before it degrades to the next tier (memory,
 * MDES, a local render), so each cold request during the freeze answers 200 within that deadline plus its usual
 * cold time (measured here too, with Redis answering).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_SAMPLES_DIR } from '../../src/config.ts';
import { REDIS_COMMAND_DEADLINE_MS } from '../../src/cache/redis-connection.ts';
import { median } from '../bench/bench-stats.ts';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.ts';
import { makeTempDir, rawRequest, removeDir, spawnServer, waitFor, type SpawnedServer } from './harness.ts';

const PNG_ASSETS = [
  '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e02',
  '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e04',
  '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c21',
  'b3a4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c32',
  'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f41',
  'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f42',
];
/** Slack for a busy shared machine on top of the deadline and twice the usual cold time. */
const SLACK_MS = 500;

let dir: string;
let redis: RedisServerProcess | undefined;
let server: SpawnedServer | undefined;

beforeAll(async () => {
  dir = await makeTempDir('redis-stall');
  redis = await startRedisServer();
  server = await spawnServer({ SIMULATOR_ASSET_DIR: BUNDLED_SAMPLES_DIR, CACHE_DIR: path.join(dir, 'unused-cache-dir'), CACHE_URL: redis.url });
}, 60_000);

afterAll(async () => {
  redis?.resume();
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  await redis?.stop();
  await removeDir(dir);
});

async function timed(pathAndQuery: string): Promise<{ status: number | string; ms: number }> {
  const start = performance.now();
  const response = await rawRequest(server!.baseUrl, { path: pathAndQuery, timeoutMs: 40_000 }).catch((error: Error) => ({ status: error.message }));
  return { status: response.status, ms: Math.round(performance.now() - start) };
}

describe('a frozen Redis (SIGSTOP)', () => {
  it(`costs a cold request at most ~${REDIS_COMMAND_DEADLINE_MS} ms before the service serves it without Redis`, async () => {
    const warm = `/v1/assets/${PNG_ASSETS[0]}?width=128`;
    expect((await timed(warm)).status).toBe(200);
    // The usual cold time of the same kind of request, with Redis answering (other assets, so they stay cold below).
    const healthy = [];
    for (const width of [256, 384, 512]) healthy.push(await timed(`/v1/assets/${PNG_ASSETS[1]}?width=${width}`));
    expect(healthy.map((result) => result.status)).toEqual([200, 200, 200]);
    const usualColdMs = median(healthy.map((result) => result.ms));

    redis!.pause();
    // The attack's pattern: two cold requests at once right after the freeze, then more one after another, and a warm hit.
    const firstTwo = await Promise.all([timed(`/v1/assets/${PNG_ASSETS[2]}?width=256`), timed(`/v1/assets/${PNG_ASSETS[3]}?width=256`)]);
    const later = [];
    for (const asset of PNG_ASSETS.slice(4)) later.push(await timed(`/v1/assets/${asset}?width=384`));
    for (const width of [768, 1152]) later.push(await timed(`/v1/assets/${PNG_ASSETS[2]}?width=${width}`));
    const warmDuringFreeze = await timed(warm);
    redis!.resume();

    const bound = REDIS_COMMAND_DEADLINE_MS + 2 * usualColdMs + SLACK_MS;
    console.log(
      `cold with Redis answering: ${healthy.map((r) => r.ms).join(', ')} ms; Redis frozen: first two at once ${firstTwo.map((r) => `${r.status} in ${r.ms} ms`).join(', ')}; ` +
        `then ${later.map((r) => `${r.status} in ${r.ms} ms`).join(', ')}; warm hit ${warmDuringFreeze.status} in ${warmDuringFreeze.ms} ms (bound per cold request ${bound} ms)`,
    );
    for (const result of [...firstTwo, ...later, warmDuringFreeze]) {
      expect(result.status).toBe(200);
      expect(result.ms).toBeLessThanOrEqual(bound);
    }

    // Thawed, the service uses Redis again by itself.
    await waitFor(
      '/readyz to report the cache store ok',
      async () => JSON.parse((await rawRequest(server!.baseUrl, { path: '/readyz' })).body.toString()).checks.cache.status === 'ok',
      20_000,
    );
  }, 90_000);
});
