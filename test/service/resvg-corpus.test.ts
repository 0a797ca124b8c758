/**
 * SVG fidelity against an oracle that is not us: resvg's own test suite (`test/fixtures/resvg/`, 613 SVGs with
 * resvg's reference PNGs), each served by the simulator as a token requestor logo and fetched through
 * `GET /v1/token-requestor-assets/{id}?format=png&size=192`. Debian's `rsvg-convert` (librsvg) draws the same files
 * as the floor: the service must match the reference on at least as many of them.
 *
 * Sizes: the references are 300 px a side (a few 300×150 or 500×500); the service answers 48, 96, 192 or 384.
 * Both renderers draw at 192 (fitted into 192×192, aspect kept) and are compared with the same reference
 * resampled to that size (Lanczos 3), so neither is favoured; 192 is a downscale of every reference.
 * A match is a mean of at most 2 levels (premultiplied RGBA, the largest channel difference of each pixel,
 * averaged over pixels); a size other than the resampled reference's is a miss. The per-file report is written to
 * `test-artifacts/resvg-corpus.tsv`.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitInside } from '../../src/core/layout.ts';
import { mapConcurrent } from '../hardening/harness.ts';
import { decodeRgba, premultipliedDistance, resampleRgba, type RgbaImage } from '../support/premultiplied-distance.ts';
import { startTestService, type TestService } from './service-harness.ts';

const CORPUS = path.resolve('test/fixtures/resvg');
const REPORT = 'test-artifacts/resvg-corpus.tsv';
/** One of the logo sizes the endpoint allows; below the references' 300 px, so they are only ever downscaled. */
const SIZE = 192;
/** Mean premultiplied distance at which a rendering is the reference's picture. */
const MATCH_LEVELS = 2;
/** Requests in flight: one per rasterizer process of a 2-core machine (more would only wait in the render queue). */
const SERVICE_CONCURRENCY = 2;
/** rsvg-convert processes at once (2 cores). */
const RSVG_CONCURRENCY = 2;
/** Codes the service may answer for a file it does not draw: refused on purpose, or not drawable. */
const CLEAN_REFUSALS = ['SVG_UNSAFE', 'SVG_INVALID', 'SVG_TOO_COMPLEX'];

const run = promisify(execFile);

interface Pair {
  name: string;
  /** The asset ID the simulator serves it under (the names hold `=`, `#` and up to 81 characters). */
  assetId: string;
  reference: RgbaImage;
}

interface Outcome {
  /** Distance to the reference, or the error code / failure. */
  service: number | string;
  librsvg: number | string;
}

let assetDir: string;
let service: TestService;
let pairs: Pair[];

beforeAll(async () => {
  // Debian's librsvg2-bin (.ci/run installs it): fail here, loudly, when it is missing.
  await run('rsvg-convert', ['--version']);
  const names = (await readdir(CORPUS))
    .filter((file) => file.endsWith('.svg'))
    .map((file) => file.slice(0, -'.svg'.length))
    .sort();
  assetDir = await mkdtemp(path.join(tmpdir(), 'card-art-resvg-'));
  pairs = await Promise.all(
    names.map(async (name, index) => {
      const assetId = `resvg-${String(index).padStart(3, '0')}`;
      await copyFile(path.join(CORPUS, `${name}.svg`), path.join(assetDir, `${assetId}.svg`));
      const full = await decodeRgba(await readFile(path.join(CORPUS, `${name}.png`)));
      const fitted = fitInside({ width: full.width, height: full.height }, { width: SIZE, height: SIZE });
      return { name, assetId, reference: await resampleRgba(full, fitted.width, fitted.height) };
    }),
  );
  // One service for all files; the simulator's Get Asset calls are not what is measured here.
  service = await startTestService(assetDir, { UPSTREAM_MAX_RPS: '100000' });
}, 60_000);

afterAll(async () => {
  await service?.close();
  if (assetDir) await rm(assetDir, { recursive: true, force: true });
});

async function throughService(pair: Pair): Promise<number | string> {
  const response = await fetch(`${service.baseUrl}/v1/token-requestor-assets/${pair.assetId}?format=png&size=${SIZE}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) {
    const code = (JSON.parse(body.toString('utf8')) as { error?: { code?: string } }).error?.code;
    return `${response.status} ${code}`;
  }
  expect(response.headers.get('content-type')).toBe('image/png');
  return premultipliedDistance(await decodeRgba(body), pair.reference);
}

/**
 * librsvg alone, every file fitted into the same box, the PNGs written to `outDir`. One `xargs` starts the
 * `rsvg-convert` processes (forking this test's large worker process 613 times cost twice the renders). Its
 * `systemLanguage` answer comes from the locale, so it is given the English reader the service assumes (and
 * resvg's references do); relative references resolve next to the fixtures, where nothing else is.
 */
async function drawWithLibrsvg(outDir: string): Promise<void> {
  const xargs = spawn(
    'xargs',
    ['-0', '-P', String(RSVG_CONCURRENCY), '-I{}', 'rsvg-convert', '--keep-aspect-ratio', '--width', String(SIZE), '--height', String(SIZE), '--output', `${outDir}/{}.png`, '{}.svg'],
    { cwd: CORPUS, env: { ...process.env, LANGUAGE: 'en_US' }, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  const exited = new Promise<number | null>((resolve, reject) => xargs.on('error', reject).on('close', resolve));
  xargs.stdin.end(pairs.map((pair) => `${pair.name}\0`).join(''));
  // 123: some rsvg-convert failed (those files have no PNG and count as misses); anything else is xargs failing.
  expect([0, 123]).toContain(await exited);
}

async function librsvgDistance(pair: Pair, outDir: string): Promise<number | string> {
  const png = await readFile(path.join(outDir, `${pair.name}.png`)).catch(() => undefined);
  if (!png?.length) return 'rsvg-convert failed';
  return premultipliedDistance(await decodeRgba(png), pair.reference);
}

const matches = (distance: number | string) => typeof distance === 'number' && distance <= MATCH_LEVELS;
const shown = (distance: number | string) => (typeof distance === 'number' ? distance.toFixed(2) : distance);

describe('the resvg test suite through GET /v1/token-requestor-assets/{id}?format=png', () => {
  it('the comparison tells pictures apart: a reference matches itself, not another file', () => {
    const [first, second] = pairs.filter((pair) => pair.name.startsWith('shapes_rect_'));
    expect(premultipliedDistance(first!.reference, first!.reference)).toBe(0);
    expect(premultipliedDistance(first!.reference, second!.reference)).toBeGreaterThan(MATCH_LEVELS);
  });

  it('matches the reference on at least as many files as librsvg alone', async () => {
    expect(pairs.length).toBe(613);
    let started = performance.now();
    const serviceResults = await mapConcurrent(pairs, SERVICE_CONCURRENCY, throughService);
    const serviceSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const librsvgDir = await mkdtemp(path.join(tmpdir(), 'card-art-rsvg-convert-'));
    await drawWithLibrsvg(librsvgDir);
    const librsvgSeconds = (performance.now() - started) / 1000;
    const librsvgResults = await Promise.all(pairs.map((pair) => librsvgDistance(pair, librsvgDir)));
    await rm(librsvgDir, { recursive: true, force: true });
    const outcomes: Outcome[] = pairs.map((_pair, index) => ({ service: serviceResults[index]!, librsvg: librsvgResults[index]! }));

    await mkdir(path.dirname(REPORT), { recursive: true });
    const rows = pairs.map((pair, index) => {
      const { service: ours, librsvg } = outcomes[index]!;
      return [pair.name, shown(ours), matches(ours) ? 'match' : 'miss', shown(librsvg), matches(librsvg) ? 'match' : 'miss'].join('\t');
    });
    await writeFile(REPORT, ['file\tservice\tservice verdict\tlibrsvg\tlibrsvg verdict', ...rows].join('\n') + '\n');

    const serviceCount = outcomes.filter((outcome) => matches(outcome.service)).length;
    const librsvgCount = outcomes.filter((outcome) => matches(outcome.librsvg)).length;
    console.log(
      `resvg corpus at ${SIZE} px: the service matches ${serviceCount} of ${pairs.length}, librsvg alone ${librsvgCount} ` +
        `(mean ≤ ${MATCH_LEVELS} levels; service ${serviceSeconds.toFixed(1)} s, rsvg-convert ${librsvgSeconds.toFixed(1)} s; per file: ${REPORT})`,
    );

    // Every file the service does not draw is a clean, deliberate refusal, never a 5xx of another kind.
    const unclean = pairs
      .map((pair, index) => [pair.name, outcomes[index]!.service] as const)
      .filter(([, outcome]) => typeof outcome === 'string' && !CLEAN_REFUSALS.some((code) => outcome === `502 ${code}`));
    expect(unclean).toEqual([]);
    // The floor is real: librsvg drew most files (a broken rsvg-convert would make it 0).
    expect(librsvgCount).toBeGreaterThan(pairs.length / 2);
    expect(serviceCount).toBeGreaterThanOrEqual(librsvgCount);
  }, 240_000);
});
