/**
 * A bounded loopback load on a spawned server: cold card renders at the render-queue limit (no errors), then
 * well above it (503 RENDER_QUEUE_FULL + Retry-After, nothing else, latency bounded), RSS sampled throughout.
 * HARDENING_LOAD_SECONDS (default 60, as issue #7 asks: 30 s at the limit, 30 s above it) sets the total length; figures are printed for the coordinator.
 */
import { Agent } from 'node:http';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, makeTempDir, rawRequest, removeDir, rssMb, spawnServer, type SpawnedServer } from './harness.ts';

const TOTAL_SECONDS = Math.min(600, Math.max(4, Number(process.env.HARDENING_LOAD_SECONDS ?? 60)));
const PHASE_MS = (TOTAL_SECONDS * 1000) / 2;
const RENDER_CONCURRENCY = 2;
const RENDER_QUEUE_LIMIT = 8;
/** Clients that can all be in flight without the queue ever refusing: the running renders plus the waiting ones. */
const AT_LIMIT_CLIENTS = RENDER_CONCURRENCY + RENDER_QUEUE_LIMIT;
const ABOVE_LIMIT_CLIENTS = AT_LIMIT_CLIENTS * 4;
/** Far above a render's cost even on a loaded 2-core machine; an unbounded queue would blow through it. */
const LATENCY_BOUND_MS = 15_000;
const MEMORY_CACHE_MB = 16;

interface PhaseResult {
  requests: number;
  statuses: Map<string, number>;
  latenciesMs: number[];
  missingRetryAfter: number;
  rssMb: number[];
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : 0;
}

function describePhase(label: string, result: PhaseResult): string {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const statuses = [...result.statuses].map(([k, v]) => `${k}×${v}`).join(', ');
  return `${label}: ${result.requests} requests in ${PHASE_MS / 1000} s (${statuses}); latency ms p50 ${percentile(sorted, 50)} p99 ${percentile(sorted, 99)} max ${sorted.at(-1) ?? 0}; RSS MB ${result.rssMb.join(' ')}`;
}

describe('load at and above the render-queue limit', () => {
  let assetDir: string;
  let cacheDir: string;
  let server: SpawnedServer;
  let serial = 0;

  beforeAll(async () => {
    assetDir = await makeTempDir('load-assets');
    cacheDir = await makeTempDir('load-cache');
    const background = await sharp({ create: { width: 640, height: 404, channels: 4, background: { r: 30, g: 60, b: 140, alpha: 1 } } }).png().toBuffer();
    const logo = await sharp({ create: { width: 200, height: 100, channels: 4, background: { r: 240, g: 240, b: 240, alpha: 0.9 } } }).png().toBuffer();
    await writeFile(path.join(assetDir, 'load-background.png'), background);
    await writeFile(path.join(assetDir, 'load-logo.png'), logo);
    server = await spawnServer({
      SIMULATOR_ASSET_DIR: assetDir,
      CACHE_DIR: cacheDir,
      LOG_LEVEL: 'warn',
      RENDER_CONCURRENCY: String(RENDER_CONCURRENCY),
      RENDER_QUEUE_LIMIT: String(RENDER_QUEUE_LIMIT),
      // Small enough that the LRU is full within seconds: growth after that would be a leak, not caching.
      MEMORY_CACHE_MB: String(MEMORY_CACHE_MB),
    });
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await removeDir(assetDir);
    await removeDir(cacheDir);
  });

  /** Closed-loop clients, each asking for a card never rendered before (a unique text), until the phase ends. */
  async function runPhase(clients: number): Promise<PhaseResult> {
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    const result: PhaseResult = { requests: 0, statuses: new Map(), latenciesMs: [], missingRetryAfter: 0, rssMb: [] };
    const deadline = Date.now() + PHASE_MS;
    const sampler = setInterval(() => {
      rssMb(server.child.pid!).then((mb) => result.rssMb.push(mb), () => undefined);
    }, 1000);
    try {
      await Promise.all(
        // Each client from its own loopback address, as distinct users would be (RENDER_MAX_PER_CLIENT is per address).
        Array.from({ length: clients }, async (_, client) => {
          while (Date.now() < deadline) {
            const text = encodeURIComponent(`•••• ${String(++serial).padStart(6, '0')}`);
            const started = Date.now();
            const response = await rawRequest(server.baseUrl, {
              path: `/v1/card-art?cardBackgroundAssetId=load-background&issuerLogoAssetId=load-logo&brandLogoAssetId=load-logo&text=${text}`,
              agent,
              localAddress: `127.0.3.${client + 1}`,
              timeoutMs: LATENCY_BOUND_MS * 2,
            });
            result.latenciesMs.push(Date.now() - started);
            result.requests++;
            const key = `${response.status} ${response.status === 200 ? 'image' : errorCode(response)}`;
            result.statuses.set(key, (result.statuses.get(key) ?? 0) + 1);
            if (response.status === 503 && !(Number(response.headers['retry-after']) >= 1)) result.missingRetryAfter++;
          }
        }),
      );
    } finally {
      clearInterval(sampler);
      agent.destroy();
    }
    return result;
  }

  it('renders without a single error at the limit, and sheds load with 503 + Retry-After above it, memory flat', async () => {
    // Warm the assets so both phases measure renders, not the first upstream fetch.
    expect((await rawRequest(server.baseUrl, { path: '/v1/card-art?cardBackgroundAssetId=load-background&issuerLogoAssetId=load-logo' })).status).toBe(200);
    const startRss = await rssMb(server.child.pid!);

    const atLimit = await runPhase(AT_LIMIT_CLIENTS);
    const aboveLimit = await runPhase(ABOVE_LIMIT_CLIENTS);
    const endRss = await rssMb(server.child.pid!);
    console.log(
      [
        `load (${TOTAL_SECONDS} s, RENDER_CONCURRENCY=${RENDER_CONCURRENCY}, RENDER_QUEUE_LIMIT=${RENDER_QUEUE_LIMIT}, MEMORY_CACHE_MB=${MEMORY_CACHE_MB}), RSS MB at start ${startRss}, at end ${endRss}`,
        describePhase(`  at the limit (${AT_LIMIT_CLIENTS} clients)`, atLimit),
        describePhase(`  above it (${ABOVE_LIMIT_CLIENTS} clients)`, aboveLimit),
      ].join('\n'),
    );

    expect(atLimit.requests).toBeGreaterThan(AT_LIMIT_CLIENTS);
    expect([...atLimit.statuses.keys()]).toEqual(['200 image']);

    expect([...aboveLimit.statuses.keys()].sort()).toEqual(['200 image', '503 RENDER_QUEUE_FULL']);
    expect(aboveLimit.missingRetryAfter).toBe(0);
    expect(Math.max(...atLimit.latenciesMs, ...aboveLimit.latenciesMs)).toBeLessThan(LATENCY_BOUND_MS);

    // Flat-ish: the second half of the run does not keep growing past the first half's peak by much.
    const samples = [...atLimit.rssMb, ...aboveLimit.rssMb];
    const half = Math.floor(samples.length / 2);
    const firstPeak = Math.max(startRss, ...samples.slice(0, half));
    expect(Math.max(...samples.slice(half), endRss)).toBeLessThan(firstPeak * 1.5 + 64);
    expect((await rawRequest(server.baseUrl, { path: '/healthz' })).status).toBe(200);
  }, TOTAL_SECONDS * 1000 + 60_000);
});
