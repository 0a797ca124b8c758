/**
 * Persistent-store faults: a private Redis killed under load, a server SIGKILLed while it writes its cache
 * folder, and cache files corrupted by hand. No request for something held in memory or on disk may fail,
 * and a corrupt entry is never served: it is detected (checksum), dropped and rebuilt.
 */
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeEntryFrame } from '../../src/cache/entry-frame.ts';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.ts';
import {
  makeTempDir,
  mapConcurrent,
  rawRequest,
  removeDir,
  SPAWN_DEADLINE_MS,
  spawnServer,
  waitFor,
  type RawResponse,
  type SpawnedServer,
} from './harness.ts';
import { startService, type RunningService } from '../support/start-service.ts';

/** Distinct, recognisable colours per asset, so a served image can be checked against its source. */
function colourOf(index: number): { r: number; g: number; b: number } {
  return { r: (index * 53) % 256, g: (index * 97 + 40) % 256, b: (index * 151 + 80) % 256 };
}

/** A card-shaped PNG of one colour with noise in a corner band: big enough that writing it takes a moment. */
async function writeAsset(dir: string, id: string, index: number, noisy = false): Promise<void> {
  const { r, g, b } = colourOf(index);
  const width = noisy ? 960 : 320;
  const height = noisy ? 606 : 202;
  let image = sharp({ create: { width, height, channels: 3, background: { r, g, b } } });
  if (noisy) {
    const band = Buffer.alloc(width * 40 * 3);
    for (let i = 0; i < band.length; i++) band[i] = (i * 2654435761 + index * 97) >>> 24;
    image = image.composite([{ input: band, raw: { width, height: 40, channels: 3 }, top: 0, left: 0 }]);
  }
  await writeFile(path.join(dir, `${id}.png`), await image.png({ compressionLevel: 1 }).toBuffer());
}

/** The colour at the centre of an image response, compared with the asset's own. */
async function servesColourOf(response: RawResponse, index: number): Promise<boolean> {
  if (response.status !== 200) return false;
  const { data, info } = await sharp(response.body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (Math.floor(info.height * 0.75) * info.width + Math.floor(info.width / 2)) * 3;
  const want = colourOf(index);
  return Math.abs(data[at]! - want.r) + Math.abs(data[at + 1]! - want.g) + Math.abs(data[at + 2]! - want.b) <= 9;
}

async function cacheFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.bin')) found.push(path.join(entry.parentPath, entry.name));
  }
  return found;
}

/** True when a cache file is a complete, checksummed frame (its own key is in its header). */
async function isValidFrame(file: string): Promise<boolean> {
  const frame = await readFile(file);
  if (frame.length < 12) return false;
  const headerLength = frame.readUInt32BE(4);
  try {
    const { key } = JSON.parse(frame.subarray(8, 8 + headerLength).toString('utf8')) as { key: string };
    return decodeEntryFrame(key, frame) !== undefined;
  } catch {
    return false;
  }
}

async function upstreamAssetCalls(baseUrl: string): Promise<number> {
  const text = (await rawRequest(baseUrl, { path: '/metrics' })).body.toString('utf8');
  const line = text.split('\n').find((l) => l.startsWith('card_art_upstream_calls_total') && l.includes('operation="asset"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('Redis stopped under load', () => {
  let dir: string;
  let redis: RedisServerProcess | undefined;
  let service: RunningService | undefined;
  const ids = Array.from({ length: 8 }, (_, i) => `warm-${i}`);
  const warmPaths = [
    ...ids.map((id) => `/v1/assets/${id}?width=128`),
    `/v1/card-art?cardBackgroundAssetId=${ids[0]}&issuerLogoAssetId=${ids[1]}&width=256`,
  ];

  beforeAll(async () => {
    dir = await makeTempDir('redis-outage');
    await Promise.all(ids.map((id, i) => writeAsset(dir, id, i)));
    await writeAsset(dir, 'cold-during-outage', 40);
    redis = await startRedisServer();
    service = await startService({ SIMULATOR_ASSET_DIR: dir, CACHE_DIR: path.join(dir, 'unused-cache-dir'), CACHE_URL: redis.url });
  });

  afterAll(async () => {
    await service?.close();
    await redis?.stop();
    await removeDir(dir);
  });

  it('answers every request for what it holds in memory, with the store gone mid-load, and degrades for the rest', async () => {
    for (const p of warmPaths) expect((await rawRequest(service!.baseUrl, { path: p })).status).toBe(200);
    expect((await rawRequest(service!.baseUrl, { path: '/readyz' })).status).toBe(200);

    const statuses: number[] = [];
    let stop = false;
    const load = Array.from({ length: 6 }, async (_, worker) => {
      for (let i = worker; !stop; i++) {
        const response = await rawRequest(service!.baseUrl, { path: warmPaths[i % warmPaths.length]!, timeoutMs: 10_000 });
        statuses.push(response.status);
      }
    });
    // Counted, not timed: the load is under way before the stop and goes on well after it, however busy the machine.
    await waitFor('load before the stop', () => statuses.length >= 20, 20_000);
    await redis!.stop();
    const servedBeforeStop = statuses.length;
    await waitFor('load after the stop', () => statuses.length >= servedBeforeStop + 60, 20_000);
    stop = true;
    await Promise.all(load);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    // Not in memory: fetched and rendered without the store.
    const cold = await rawRequest(service!.baseUrl, { path: '/v1/assets/cold-during-outage?width=128', timeoutMs: 15_000 });
    expect(cold.status).toBe(200);
    // Still ready (cached cards are served), with the store reported degraded and no driver text in the body.
    const cacheStatus = async () => {
      const ready = await rawRequest(service!.baseUrl, { path: '/readyz' });
      expect(ready.status).toBe(200);
      // No driver text: no address, URL or errno anywhere, and each check's error is a stable code.
      const text = ready.body.toString();
      expect(text).not.toMatch(/\d+\.\d+\.\d+\.\d+|localhost|redis:\/\/|ECONN|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|EPIPE/);
      const checks = (JSON.parse(text) as { checks: Record<string, { status: string; error?: string }> }).checks;
      expect(Object.values(checks).filter((check) => check.error !== undefined && !/^[A-Z][A-Z0-9_]*$/.test(check.error))).toEqual([]);
      return checks.cache!.status;
    };
    await waitFor('/readyz to report the store degraded', async () => (await cacheStatus()) === 'degraded', 10_000);

    // The store comes back on the same port: the service notices by itself.
    await redis!.start();
    await waitFor('/readyz to report the store ok again', async () => (await cacheStatus()) === 'ok', 20_000);
  }, 40_000);
});

describe('server killed while writing its cache folder', () => {
  let assetDir: string;
  let cacheDir: string;
  let server: SpawnedServer | undefined;
  const count = 24;
  const ids = Array.from({ length: count }, (_, i) => `sigkill-${String(i).padStart(2, '0')}`);
  const assetPath = (id: string) => `/v1/assets/${id}?width=128`;

  beforeAll(async () => {
    assetDir = await makeTempDir('sigkill-assets');
    cacheDir = await makeTempDir('sigkill-cache');
    await Promise.all(ids.map((id, i) => writeAsset(assetDir, id, i, true)));
  });

  afterEach(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    server = undefined;
  });

  afterAll(async () => {
    await removeDir(assetDir);
    await removeDir(cacheDir);
  });

  const env = () => ({ SIMULATOR_ASSET_DIR: assetDir, CACHE_DIR: cacheDir, LOG_LEVEL: 'warn', RENDER_QUEUE_LIMIT: '1000' });

  async function expectAllServedCorrectly(baseUrl: string): Promise<void> {
    const wrong: string[] = [];
    await mapConcurrent(ids, 4, async (id, index) => {
      const response = await rawRequest(baseUrl, { path: assetPath(id), timeoutMs: 20_000 });
      if (!(await servesColourOf(response, index))) wrong.push(`${id}: ${response.status} ${response.status === 200 ? 'wrong pixels' : response.body.toString('utf8').slice(0, 200)}`);
    });
    expect(wrong).toEqual([]);
  }

  it('after SIGKILL mid-write, the restarted server serves no corrupt entry and rebuilds what is missing', async () => {
    server = await spawnServer(env());
    const inFlight = mapConcurrent(ids, 16, (id) =>
      rawRequest(server!.baseUrl, { path: assetPath(id), timeoutMs: 20_000 }).catch(() => undefined),
    );
    // Kill as soon as the first entries land, while the rest are still being fetched, rendered and written.
    await waitFor('the first cache files', async () => (await cacheFiles(cacheDir)).length >= 3, 20_000);
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    await inFlight;
    const leftBehind = await cacheFiles(cacheDir);
    expect(leftBehind.length).toBeLessThan(count * 2);
    const tempFiles = (await readdir(cacheDir, { recursive: true })).filter((name) => String(name).endsWith('.tmp'));
    console.log(`SIGKILL left ${leftBehind.length} complete entries and ${tempFiles.length} temp files of unfinished writes`);

    server = await spawnServer(env());
    await expectAllServedCorrectly(server.baseUrl);
    // Store writes finish after the responses; each asset leaves its media and its rendered image.
    await waitFor('the rebuilt entries to be written', async () => (await cacheFiles(cacheDir)).length >= count * 2, 15_000);
    const files = await cacheFiles(cacheDir);
    const invalid = (await Promise.all(files.map(async (f) => ((await isValidFrame(f)) ? undefined : f)))).filter(Boolean);
    expect(invalid).toEqual([]);
  }, 2 * SPAWN_DEADLINE_MS + 60_000);

  it('detects cache files corrupted by hand (flipped, truncated, emptied, replaced), serves none, rebuilds each once', async () => {
    const files = await cacheFiles(cacheDir);
    expect(files.length).toBeGreaterThanOrEqual(count * 2);
    for (const [i, file] of files.entries()) {
      const size = (await stat(file)).size;
      switch (i % 4) {
        case 0: {
          const bytes = await readFile(file);
          bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
          await writeFile(file, bytes);
          break;
        }
        case 1:
          await truncate(file, Math.floor(size * 0.6));
          break;
        case 2:
          await truncate(file, 0);
          break;
        default:
          // A well-formed frame, but of another entry: its checksum holds, its key does not match.
          await writeFile(file, await readFile(files[(i + 1) % files.length]!));
      }
    }

    server = await spawnServer(env());
    await expectAllServedCorrectly(server.baseUrl);
    // Every asset entry was corrupt, so each asset was fetched again exactly once.
    expect(await upstreamAssetCalls(server.baseUrl)).toBe(count);
    await waitFor('the rebuilt entries to be written', async () => {
      const written = await cacheFiles(cacheDir);
      return (await Promise.all(written.map(isValidFrame))).every(Boolean);
    }, 15_000).catch(() => undefined);
    const after = await cacheFiles(cacheDir);
    const invalid = (await Promise.all(after.map(async (f) => ((await isValidFrame(f)) ? undefined : f)))).filter(Boolean);
    expect(invalid).toEqual([]);
  }, SPAWN_DEADLINE_MS + 60_000);
});
