/**
 * Many instances (DESIGN §11): three `src/server.ts` processes behind Debian's nginx, one Redis, one simulator they
 * all call as their MDES (MDES_BASE_URL + OAuth1 credentials, so the real client code path runs and every Get
 * Asset is counted in one place). Proves: 150 concurrent cold requests → 1 Get Asset per asset and 1 render in
 * total; an entry rendered by one instance is served by the others with no upstream call; SIGKILL of the lock
 * holder under load → no failed request through nginx, its lock expires within its TTL and another instance takes
 * over; Redis stopped under load (a private redis-server) → cached cards still served, cold ones loaded locally.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from '@keyv/redis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { startNginx, type NginxProcess } from '../support/nginx-process.ts';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.ts';
import { makeTempDir, rawRequest, removeDir, sleep, SPAWN_DEADLINE_MS, spawnServer, waitFor, writeSigningKey, type SpawnedServer } from './harness.ts';

const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
/** Short, so a dead holder's lock expires quickly in the test; production defaults to 5 s. */
const LOCK_TTL_MS = 2000;
const COLD_BURST = 150;
/**
 * The lock holder's Get Asset hangs this long, so it still holds its locks when it is killed however long the
 * steps before the kill take (its connection closes with it, so the wait never runs out).
 */
const HOLDER_LATENCY_MS = 20_000;

const ASSETS = { bg: 'fleet-bg', issuer: 'fleet-issuer', coBrand: 'fleet-cobrand', brand: 'fleet-brand' };
const BG_SHARED = 'fleet-bg-shared';
const BG_KILL = 'fleet-bg-kill';
const BG_OUTAGE = 'fleet-bg-outage';

function cardPath(background: string, text: string): string {
  const query = new URLSearchParams({
    cardBackgroundAssetId: background,
    issuerLogoAssetId: ASSETS.issuer,
    coBrandLogoAssetId: ASSETS.coBrand,
    brandLogoAssetId: ASSETS.brand,
    foregroundColor: 'ffffff',
    text,
    width: '512',
  });
  return `/v1/card-art?${query}`;
}

async function writeAssets(dir: string): Promise<void> {
  const png = (width: number, height: number, r: number, alpha = 1) =>
    sharp({ create: { width, height, channels: 4, background: { r, g: 90, b: 160, alpha } } }).png().toBuffer();
  const files: Array<[string, Promise<Buffer>]> = [
    [ASSETS.bg, png(800, 505, 30)],
    [ASSETS.issuer, png(300, 100, 200, 0.9)],
    [ASSETS.coBrand, png(200, 100, 120, 0.8)],
    [ASSETS.brand, png(160, 100, 250)],
    [BG_SHARED, png(800, 505, 70)],
    [BG_KILL, png(800, 505, 110)],
    [BG_OUTAGE, png(800, 505, 150)],
  ];
  for (const [id, bytes] of files) await writeFile(path.join(dir, `${id}.png`), await bytes);
}

/** Sum of a Prometheus series over the lines whose labels contain `labels` (all lines when omitted). */
function metricSum(text: string, name: string, labels = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (match && match[1] === name && (match[2] ?? '').includes(labels)) total += Number(match[3]);
  }
  return total;
}

async function metricsOf(server: SpawnedServer): Promise<string> {
  return (await rawRequest(server.baseUrl, { path: '/metrics', timeoutMs: 5000 })).body.toString('utf8');
}

interface Outcome {
  status: number | string;
  bytes: number;
  etag: string | undefined;
}

/** One GET; a socket error or a body shorter than its Content-Length is an outcome too, never a throw. */
async function get(baseUrl: string, requestPath: string, timeoutMs = 25_000): Promise<Outcome> {
  try {
    const response = await rawRequest(baseUrl, { path: requestPath, timeoutMs });
    const declared = Number(response.headers['content-length']);
    const truncated = Number.isFinite(declared) && declared !== response.body.length;
    return { status: truncated ? 'truncated' : response.status, bytes: response.body.length, etag: response.headers.etag as string | undefined };
  } catch (error) {
    return { status: `error ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, bytes: 0, etag: undefined };
  }
}

function tally(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[String(outcome.status)] = (counts[String(outcome.status)] ?? 0) + 1;
  return counts;
}

async function spawnFleet(count: number, env: Record<string, string>): Promise<SpawnedServer[]> {
  return Promise.all(Array.from({ length: count }, () => spawnServer(env)));
}

async function stopFleet(fleet: SpawnedServer[]): Promise<void> {
  await Promise.all(
    fleet.map(async (server) => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await server.exited;
    }),
  );
}

const portOf = (server: SpawnedServer) => Number(new URL(server.baseUrl).port);

let dir: string;
let simulator: RunningSimulator;
let signingKey: { keyPath: string; publicKeyPem: string };

beforeAll(async () => {
  dir = await makeTempDir('fleet');
  await writeAssets(dir);
  signingKey = await writeSigningKey(dir);
  simulator = await startSimulator({ assetDir: dir, verifyKeyPem: signingKey.publicKeyPem });
});

afterAll(async () => {
  await simulator?.close();
  await removeDir(dir);
});

function fleetEnv(cacheUrl: string, prefix: string): Record<string, string> {
  return {
    MDES_BASE_URL: simulator.baseUrl,
    MDES_CONSUMER_KEY: 'fleet-test',
    MDES_SIGNING_KEY: signingKey.keyPath,
    CACHE_URL: cacheUrl,
    CACHE_KEY_PREFIX: prefix,
    CACHE_LOCK_TTL_MS: String(LOCK_TTL_MS),
    LOG_LEVEL: 'error',
  };
}

describe('three instances behind nginx sharing the Redis at 127.0.0.1:6379', () => {
  const prefix = `card-art-test:fleet:${randomUUID()}:`;
  const admin = createClient({ url: SHARED_REDIS_URL });
  let fleet: SpawnedServer[] = [];
  let nginx: NginxProcess | undefined;
  const warmPath = cardPath(ASSETS.bg, 'FLEET 1');

  beforeAll(async () => {
    await admin.connect();
    // Upstream attempts longer than the killed holder's slow Get Asset below, so it is not retried before the kill.
    fleet = await spawnFleet(3, { ...fleetEnv(SHARED_REDIS_URL, prefix), UPSTREAM_TIMEOUT_MS: String(HOLDER_LATENCY_MS + 10_000) });
    nginx = await startNginx(fleet.map(portOf));
  }, SPAWN_DEADLINE_MS + 30_000);

  afterAll(async () => {
    await nginx?.stop();
    await stopFleet(fleet);
    if (admin.isOpen) {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(keys);
      await admin.close();
    }
  });

  it(`${COLD_BURST} concurrent cold requests through nginx: 1 Get Asset per asset and 1 render in total`, async () => {
    simulator.resetCounts();
    const outcomes = await Promise.all(Array.from({ length: COLD_BURST }, () => get(nginx!.baseUrl, warmPath)));
    expect(tally(outcomes)).toEqual({ 200: COLD_BURST });
    expect(new Set(outcomes.map((o) => o.etag)).size).toBe(1);

    const counts = simulator.counts();
    const perAsset = Object.fromEntries(Object.values(ASSETS).map((id) => [id, counts[`asset:${id}`] ?? 0]));
    expect(perAsset).toEqual({ [ASSETS.bg]: 1, [ASSETS.issuer]: 1, [ASSETS.coBrand]: 1, [ASSETS.brand]: 1 });
    const metrics = await Promise.all(fleet.map(metricsOf));
    const renders = metrics.map((text) => metricSum(text, 'card_art_renders_total'));
    const upstreamCalls = metrics.map((text) => metricSum(text, 'card_art_upstream_calls_total', 'operation="asset"'));
    const served = metrics.map((text) => metricSum(text, 'card_art_http_request_duration_seconds_count', 'route="/v1/card-art"'));
    const waited = metrics.map((text) => metricSum(text, 'card_art_cache_fleet_lock_total', 'outcome="waited"'));
    console.log(
      `fleet cold burst: ${COLD_BURST} requests, 200s ${outcomes.length}; Get Asset per asset ${JSON.stringify(perAsset)}; ` +
        `renders per instance ${renders.join('/')}; Get Asset per instance ${upstreamCalls.join('/')}; requests per instance ${served.join('/')}; fleet-lock waits ${waited.join('/')}`,
    );
    expect(renders.reduce((a, b) => a + b, 0)).toBe(1);
    expect(upstreamCalls.reduce((a, b) => a + b, 0)).toBe(4);
    // nginx spread the burst: every instance answered some of it (the ones that did not load waited or read Redis).
    for (const count of served) expect(count).toBeGreaterThan(0);
  }, 60_000);

  it('an entry rendered by one instance is served by the others with no upstream call and no render', async () => {
    const sharedPath = cardPath(BG_SHARED, 'SHARED');
    const [first, ...others] = fleet;
    const rendered = await get(first!.baseUrl, sharedPath);
    expect(rendered.status).toBe(200);
    const callsAfterFirst = simulator.counts().asset ?? 0;
    const before = await Promise.all(others.map(metricsOf));
    const fromOthers = await Promise.all(others.map((server) => get(server.baseUrl, sharedPath)));
    const after = await Promise.all(others.map(metricsOf));
    expect(fromOthers.map((o) => `${o.status} ${o.bytes} ${o.etag}`)).toEqual(others.map(() => `200 ${rendered.bytes} ${rendered.etag}`));
    expect(simulator.counts().asset ?? 0).toBe(callsAfterFirst);
    expect(simulator.counts()[`asset:${BG_SHARED}`]).toBe(1);
    for (const [i, text] of after.entries()) {
      expect(metricSum(text, 'card_art_renders_total')).toBe(metricSum(before[i]!, 'card_art_renders_total'));
      expect(metricSum(text, 'card_art_upstream_calls_total')).toBe(metricSum(before[i]!, 'card_art_upstream_calls_total'));
      expect(metricSum(text, 'card_art_cache_hits_total', 'tier="persistent"')).toBeGreaterThan(
        metricSum(before[i]!, 'card_art_cache_hits_total', 'tier="persistent"'),
      );
    }
  }, 30_000);

  it('SIGKILL of the lock holder under load: no failed request through nginx, its lock expires within its TTL, another instance takes over', async () => {
    const coldPath = cardPath(BG_KILL, 'KILLED');
    // The holder's Get Asset is slow, so it is still holding the locks when it is killed.
    simulator.faults.inject(BG_KILL, { kind: 'latency', ms: HOLDER_LATENCY_MS }, 1);
    let stopWarm = false;
    const warmOutcomes: Outcome[] = [];
    const warmLoad = Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 150 && !stopWarm; i++) warmOutcomes.push(await get(nginx!.baseUrl, warmPath));
      }),
    );
    const coldLoad = Promise.all(Array.from({ length: 60 }, () => get(nginx!.baseUrl, coldPath)));

    await waitFor('the lock holder to call Get Asset', () => (simulator.counts()[`asset:${BG_KILL}`] ?? 0) >= 1, 10_000);
    const lockKeys = await admin.keys(`${prefix}lock:*`);
    const tokens = await Promise.all(lockKeys.map((key) => admin.get(key)));
    // The render's lock and its background's, both held by the instance that is loading: its pid is in the token.
    expect(lockKeys.length).toBe(2);
    const pids = new Set(tokens.map((token) => Number(/:(\d+):[0-9a-f-]{36}$/.exec(token ?? '')?.[1])));
    expect(pids.size).toBe(1);
    const holder = fleet.find((server) => server.child.pid === [...pids][0]);
    expect(holder).toBeDefined();
    const ttlsAtKill = await Promise.all(lockKeys.map((key) => admin.pTTL(key)));
    for (const ttl of ttlsAtKill) expect(ttl).toBeGreaterThan(0);
    for (const ttl of ttlsAtKill) expect(ttl).toBeLessThanOrEqual(LOCK_TTL_MS);

    holder!.child.kill('SIGKILL');
    const killedAt = Date.now();
    // A renewal the holder sent just before it died can still reach Redis after the kill: the locks are watched
    // once the process is gone and Redis has answered a command sent after that (it reads the dead connection's
    // last bytes first), so a renewal seen from then on is one nobody should have made.
    await holder!.exited;
    await admin.ping();
    const releasedAfter = new Map<string, number>();
    const lastTtl = new Map<string, number>();
    /** Per lock: when (ms after the kill) it was first looked at from then on, and the TTL it had left. */
    const firstLook = new Map<string, { atMs: number; ttl: number }>();
    let renewedAfterKill = 0;
    let takeoverAfter: number | undefined;
    // The longest time between two looks at the locks: a release is seen at most this late.
    let longestPollGapMs = 0;
    let lastPollAt: number | undefined;
    while ((releasedAfter.size < lockKeys.length || takeoverAfter === undefined) && Date.now() - killedAt < LOCK_TTL_MS + 10_000) {
      if (lastPollAt !== undefined) longestPollGapMs = Math.max(longestPollGapMs, Date.now() - lastPollAt);
      lastPollAt = Date.now();
      for (const [i, key] of lockKeys.entries()) {
        if (releasedAfter.has(key)) continue;
        const [value, ttl] = (await admin.multi().get(key).pTTL(key).exec()) as unknown as [string | null, number];
        if (value !== tokens[i]) releasedAfter.set(key, Date.now() - killedAt);
        else if (ttl > (lastTtl.get(key) ?? Infinity)) renewedAfterKill += 1; // nobody may extend a dead holder's lock
        if (value === tokens[i] && !firstLook.has(key)) firstLook.set(key, { atMs: lastPollAt - killedAt, ttl });
        if (value === tokens[i]) lastTtl.set(key, ttl);
      }
      if (takeoverAfter === undefined && (simulator.counts()[`asset:${BG_KILL}`] ?? 0) >= 2) takeoverAfter = Date.now() - killedAt;
      await sleep(10);
    }
    const coldOutcomes = await coldLoad;
    stopWarm = true;
    await warmLoad;
    const survivors = fleet.filter((server) => server !== holder);
    // nginx saw the dead instance fail requests (reset or refused) and passed them on: the retries were real.
    const deadUpstream = `127.0.0.1:${portOf(holder!)}`;
    const retried = (await nginx!.errorLog()).split('\n').filter((line) => line.includes(deadUpstream)).length;
    const metrics = await Promise.all(survivors.map(metricsOf));
    console.log(
      `fleet SIGKILL: lock TTL ${LOCK_TTL_MS} ms, TTL left at kill ${ttlsAtKill.join('/')} ms; dead holder's locks gone after ` +
        `${[...releasedAfter.values()].join('/')} ms (longest poll gap ${longestPollGapMs} ms); takeover Get Asset ${takeoverAfter} ms after the kill; ` +
        `nginx error-log lines for the dead instance ${retried}; cold ${JSON.stringify(tally(coldOutcomes))}, warm ${JSON.stringify(tally(warmOutcomes))}; ` +
        `Get Asset for the killed load ${simulator.counts()[`asset:${BG_KILL}`]}; survivors took over ${metrics.map((t) => metricSum(t, 'card_art_cache_fleet_lock_total', 'outcome="took_over"')).join('/')}`,
    );
    expect(retried).toBeGreaterThan(0);
    expect(tally(coldOutcomes)).toEqual({ 200: coldOutcomes.length });
    expect(tally(warmOutcomes)).toEqual({ 200: warmOutcomes.length });
    expect(new Set(coldOutcomes.map((o) => o.etag)).size).toBe(1);
    // Each lock only ran down from what it had left when first looked at (never renewed once its holder was dead)
    // and then was gone: seen gone no later than that plus the loop's longest gap between two looks (how late a
    // busy machine made this loop), plus 200 ms for the round trips of one look.
    expect(renewedAfterKill).toBe(0);
    expect(releasedAfter.size).toBe(lockKeys.length);
    for (const key of lockKeys) {
      const look = firstLook.get(key);
      // A lock already gone at the first look (the process took longer than its TTL to be reaped) ran out meanwhile.
      if (look) expect(releasedAfter.get(key)).toBeLessThanOrEqual(look.atMs + look.ttl + longestPollGapMs + 200);
    }
    expect(takeoverAfter).toBeDefined();
    // The dead holder's call and the one that took over; nobody else called MDES for it.
    expect(simulator.counts()[`asset:${BG_KILL}`]).toBe(2);
    expect(metrics.reduce((sum, text) => sum + metricSum(text, 'card_art_cache_fleet_lock_total', 'outcome="took_over"'), 0)).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

describe('the per-client rate limit is shared by the instances behind nginx', () => {
  const prefix = `card-art-test:fleet-rate:${randomUUID()}:`;
  const admin = createClient({ url: SHARED_REDIS_URL });
  const perMinute = 12;
  let fleet: SpawnedServer[] = [];
  let nginx: NginxProcess | undefined;

  beforeAll(async () => {
    await admin.connect();
    fleet = await spawnFleet(3, { ...fleetEnv(SHARED_REDIS_URL, prefix), RATE_LIMIT_PER_MINUTE: String(perMinute) });
    nginx = await startNginx(fleet.map(portOf));
  }, SPAWN_DEADLINE_MS + 30_000);

  afterAll(async () => {
    await nginx?.stop();
    await stopFleet(fleet);
    if (admin.isOpen) {
      const keys = await admin.keys(`${prefix}*`);
      if (keys.length > 0) await admin.del(keys);
      await admin.close();
    }
  });

  it(`${perMinute} requests a minute for one client across all three instances, not ${perMinute} each`, async () => {
    const outcomes: Outcome[] = [];
    // One after another, so nginx's round robin spreads them evenly: 10 per instance, under each one's own limit.
    for (let i = 0; i < 30; i++) outcomes.push(await get(nginx!.baseUrl, `/v1/assets/${ASSETS.brand}?width=128`));
    const served = await Promise.all(fleet.map(async (server) => metricSum(await metricsOf(server), 'card_art_http_request_duration_seconds_count', 'route="/v1/assets/:assetId"')));
    console.log(`fleet rate limit ${perMinute}/min: ${JSON.stringify(tally(outcomes))}; answered per instance ${served.join('/')}`);
    expect(tally(outcomes)).toEqual({ 200: perMinute, 429: 30 - perMinute });
    for (const count of served) expect(count).toBeGreaterThan(0);
    expect((await admin.keys(`${prefix}rate-limit*`)).length).toBeGreaterThan(0);
  }, 30_000);
});

describe('Redis stopped under load (a private redis-server)', () => {
  const prefix = `card-art-test:fleet-outage:${randomUUID()}:`;
  let redis: RedisServerProcess | undefined;
  let fleet: SpawnedServer[] = [];
  let nginx: NginxProcess | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
    fleet = await spawnFleet(3, fleetEnv(redis.url, prefix));
    nginx = await startNginx(fleet.map(portOf));
  }, SPAWN_DEADLINE_MS + 30_000);

  afterAll(async () => {
    await nginx?.stop();
    await stopFleet(fleet);
    await redis?.stop();
  });

  it('serves cached cards, and loads cold ones locally, while Redis is down', async () => {
    const cachedPath = cardPath(BG_OUTAGE, 'CACHED');
    const warmUp = await Promise.all(Array.from({ length: 30 }, () => get(nginx!.baseUrl, cachedPath)));
    expect(tally(warmUp)).toEqual({ 200: 30 });
    const beforeOutage = await Promise.all(fleet.map(metricsOf));
    // Every instance holds the card in memory (one rendered it, the others read it from Redis).
    for (const text of beforeOutage) expect(metricSum(text, 'card_art_memory_cache_bytes')).toBeGreaterThan(0);

    let stop = false;
    const outcomes: Outcome[] = [];
    // Until stopped (bounded by the count): so the load goes on through the outage however fast it is served.
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 5000 && !stop; i++) outcomes.push(await get(nginx!.baseUrl, cachedPath));
      }),
    );
    // Counted, not timed: the load is under way before the stop and goes on for a while after it.
    await waitFor('load before the stop', () => outcomes.length >= 20, 20_000);
    await redis!.stop();
    const servedBeforeStop = outcomes.length;
    await waitFor('load after the stop', () => outcomes.length >= servedBeforeStop + 100, 20_000);
    // A card never seen before, during the outage: no lock and no shared tier, so each instance may load it itself.
    const cold = await Promise.all(Array.from({ length: 6 }, (_, i) => get(nginx!.baseUrl, cardPath(BG_OUTAGE, `COLD ${i % 2}`))));
    stop = true;
    await load;
    const afterOutage = await Promise.all(fleet.map(metricsOf));
    const storeErrors = afterOutage.map((text) => metricSum(text, 'card_art_cache_errors_total', 'tier="persistent"'));
    const lockUnavailable = afterOutage.map((text) => metricSum(text, 'card_art_cache_fleet_lock_total', 'outcome="unavailable"'));
    console.log(
      `fleet Redis outage: cached ${JSON.stringify(tally(outcomes))} (${outcomes.length - servedBeforeStop} after the stop), ` +
        `cold ${JSON.stringify(tally(cold))}; store errors per instance ${storeErrors.join('/')}, lock unavailable ${lockUnavailable.join('/')}`,
    );
    expect(tally(outcomes)).toEqual({ 200: outcomes.length });
    expect(outcomes.length - servedBeforeStop).toBeGreaterThan(0);
    expect(tally(cold)).toEqual({ 200: cold.length });
    // Redis really was away for the cold loads.
    expect(storeErrors.reduce((a, b) => a + b, 0) + lockUnavailable.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, 60_000);
});
