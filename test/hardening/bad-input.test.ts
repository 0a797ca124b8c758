/**
 * The seeded bad-input corpus through the real HTTP API, the embedded simulator serving the bad assets:
 * every answer an error with a stable code (or, for drawable hostile files, a valid image), never a 500,
 * never a stack; the service alive afterwards; and nothing that failed was cached.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBadInputCorpus, CURE_COLOR, cureAsset, makeCurePng, writeCorpusAssets, type CorpusCase } from './bad-input-corpus.ts';
import {
  errorBodyProblems,
  errorCode,
  makeTempDir,
  mapConcurrent,
  rawRequest,
  removeDir,
  sleep,
  type RawResponse,
} from './harness.ts';
import { startService, type RunningService } from '../support/start-service.ts';
import { ERRORS, isErrorCode } from '../../src/errors.ts';

/** A file path, a host:port, or text of a library error (sharp/libvips, libpng, pdf.js, librsvg, Node, JSON). */
const DETAIL_LEAKS = [
  /(?:^|[\s'"(=])\/[\w.-]+\/[\w./-]*/,
  /\b(?:[a-z0-9-]+\.)*[a-z0-9-]+:\d{2,5}\b/i,
  /vips|libpng|librsvg|pdf\.js|pdfjs|Invalid PDF|XML|ECONN|ENOENT|EACCES|Unexpected token|SyntaxError|TypeError|Error:/,
];

const SEED = Number(process.env.HARDENING_SEED ?? 20261124);
const CONCURRENCY = 4;

/**
 * Defects found by this suite in code it does not own, tolerated here (and printed) until fixed; each entry
 * names the fix. A flag left on after its defect is gone is reported (turn it off so the suite enforces the fix).
 */
const KNOWN_DEFECTS = {
  // Fixed in d65e9a3 (bad %-escapes are 400); kept off so the suite enforces it.
  badPercentEncodingIs500: false,
  // Fixed in d65e9a3 (a PDF over its render time limit is 502 PDF_TOO_COMPLEX); kept off so the suite enforces it.
  pdfTimeoutIs503: false,
  // d65e9a3 evicts media that fails to rasterize (card-renderer forgetMedia -> cache.delete), but
  // src/cache/tiered-cache.ts races with itself: loadShared() writes the fetched media to the store in the
  // background (writeInBackground), and a delete() issued while that write is still pending (PNG_INVALID comes
  // back in milliseconds, before the fsync'd write lands) deletes nothing; the write then lands and the bad
  // media is served from disk forever. Fix: keep pending writes per key (Map<key, Promise<void>>) and in
  // delete() await the key's pending write before `callStore('delete', …)` (or make writeStore skip a key
  // deleted since the write was queued).
  rasterFailureStaysCached: false,
};
const RASTER_FAILURE_CODES = new Set(['PNG_INVALID', 'PDF_INVALID', 'SVG_INVALID', 'SVG_UNSAFE', 'SVG_TOO_LARGE', 'PDF_ENCRYPTED', 'PDF_PAGE_SIZE_INVALID', 'PNG_TOO_LARGE', 'RENDER_TIMEOUT', 'PDF_TOO_COMPLEX']);

function isBadPercentEncoding500(testCase: CorpusCase, response: RawResponse): boolean {
  if (response.status !== 500) return false;
  try {
    decodeURIComponent(testCase.request.path.split('?')[0]!);
    return false;
  } catch {
    return true;
  }
}

function isPdfTimeout503(response: RawResponse): boolean {
  return response.status === 503 && errorCode(response) === 'RENDER_TIMEOUT';
}

function tolerated(testCase: CorpusCase, response: RawResponse, seen: Map<string, string[]>): boolean {
  const note = (defect: keyof typeof KNOWN_DEFECTS) => {
    seen.set(defect, [...(seen.get(defect) ?? []), testCase.name]);
    return KNOWN_DEFECTS[defect];
  };
  if (isBadPercentEncoding500(testCase, response)) return note('badPercentEncodingIs500');
  if (isPdfTimeout503(response)) return note('pdfTimeoutIs503');
  return false;
}

interface Outcome {
  testCase: CorpusCase;
  response: RawResponse;
}

function isImage(response: RawResponse): boolean {
  return response.status === 200 && /^image\/(png|webp|avif)$/.test(String(response.headers['content-type']));
}

describe('bad-input corpus', () => {
  let assetDir: string;
  let cacheDir: string;
  let service: RunningService;
  let corpus: CorpusCase[];
  let outcomes: Outcome[];
  const defectsSeen = new Map<string, string[]>();

  beforeAll(async () => {
    assetDir = await makeTempDir('corpus-assets');
    cacheDir = await makeTempDir('corpus-cache');
    corpus = await buildBadInputCorpus(SEED);
    await writeCorpusAssets(assetDir, corpus);
    service = await startService({
      SIMULATOR_ASSET_DIR: assetDir,
      CACHE_DIR: cacheDir,
      UPSTREAM_TIMEOUT_MS: '5000',
      RENDER_QUEUE_LIMIT: '1000',
      // Every case must reach the renderer: slow PDFs on a loaded 2-core machine must not time out in the queue.
      RENDER_QUEUE_WAIT_MS: '120000',
      // Failures are remembered (in memory only) this long; the cure below is asked for after the window.
      NEGATIVE_CACHE_SECONDS: '1',
    });
    outcomes = await mapConcurrent(corpus, CONCURRENCY, async (testCase) => ({
      testCase,
      response: await rawRequest(service.baseUrl, { ...testCase.request, timeoutMs: 30_000 }),
    }));
  }, 150_000);

  afterAll(async () => {
    if (defectsSeen.size) {
      console.log(`known defects hit:\n${[...defectsSeen].map(([defect, names]) => `  ${defect}: ${names.length} (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`).join('\n')}`);
    }
    const fixed = Object.entries(KNOWN_DEFECTS).filter(([defect, on]) => on && !defectsSeen.has(defect)).map(([defect]) => defect);
    if (fixed.length) console.warn(`KNOWN_DEFECTS no longer seen, turn these flags off: ${fixed.join(', ')}`);
    await service?.close();
    await removeDir(assetDir);
    await removeDir(cacheDir);
  });

  it('is a corpus of at least 200 cases from the seed', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    const tally = new Map<string, number>();
    for (const { response } of outcomes) {
      const key = response.status === 200 ? '200 image' : `${response.status} ${errorCode(response)}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    const lines = [...tally].sort((a, b) => a[0].localeCompare(b[0])).map(([key, count]) => `  ${key.padEnd(42)} ${count}`);
    console.log(`bad-input corpus (seed ${SEED}, ${corpus.length} cases):\n${lines.join('\n')}`);
    if (process.env.HARDENING_VERBOSE) {
      console.log(outcomes.map(({ testCase, response }) => `  ${testCase.name.padEnd(48)} ${response.status} ${errorCode(response)}`).join('\n'));
    }
  });

  it('never answers 500 or any 5xx but 502 and (for timeouts and a full queue) 503/504', () => {
    const serverErrors = outcomes.filter(
      ({ testCase, response }) => response.status >= 500 && response.status !== 502 && !tolerated(testCase, response, defectsSeen),
    );
    expect(serverErrors.map(({ testCase, response }) => `${testCase.name}: ${response.status} ${response.body.toString('utf8').slice(0, 200)}`)).toEqual([]);
  });

  it('answers every case with a 4xx or 502 error with a stable code and no stack (or, where allowed, a valid image)', async () => {
    const problems: string[] = [];
    for (const { testCase, response } of outcomes) {
      if (testCase.expect === 'reject-or-render' && isImage(response)) {
        const meta = await sharp(response.body).metadata().catch(() => undefined);
        if (!meta?.width) problems.push(`${testCase.name}: 200 but the body is not a decodable image`);
        continue;
      }
      const rejected = (response.status >= 400 && response.status < 500) || response.status === 502;
      if (!rejected && !tolerated(testCase, response, new Map())) problems.push(`${testCase.name}: status ${response.status}`);
      for (const problem of errorBodyProblems(response)) problems.push(`${testCase.name}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it('answers no file path, host:port or library error text; every non-bad-input answer carries only the table message', () => {
    const problems: string[] = [];
    for (const { testCase, response } of outcomes) {
      if (isImage(response)) continue;
      const text = response.body.toString('utf8');
      let error: { code?: unknown; message?: unknown } | undefined;
      try {
        error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
      } catch {
        problems.push(`${testCase.name}: not JSON`);
        continue;
      }
      for (const pattern of DETAIL_LEAKS) if (pattern.test(String(error?.message))) problems.push(`${testCase.name}: ${pattern} in ${text.slice(0, 200)}`);
      const code = error?.code;
      if (!isErrorCode(code)) {
        problems.push(`${testCase.name}: code ${String(code)} is not in the error table`);
      } else {
        if (ERRORS[code].status !== response.status) problems.push(`${testCase.name}: ${code} answered ${response.status}`);
        if (ERRORS[code].kind !== 'bad-input' && error?.message !== ERRORS[code].message) problems.push(`${testCase.name}: ${code} says ${String(error?.message)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('is still alive and answering /healthz after the corpus', async () => {
    const health = await rawRequest(service.baseUrl, { path: '/healthz' });
    expect(health.status).toBe(200);
  });

  it('cached no failure: once the asset is fixed upstream, the same request succeeds', async () => {
    const cure = await makeCurePng();
    const failed = outcomes.filter(({ testCase, response }) => testCase.cureAssetId && response.status !== 200);
    const firstCode = new Map(failed.map(({ testCase, response }) => [testCase, errorCode(response)]));
    expect(failed.length).toBeGreaterThan(80);
    for (const { testCase } of failed) await cureAsset(assetDir, testCase.cureAssetId!, cure);
    // Past NEGATIVE_CACHE_SECONDS nothing that failed may shadow the cure.
    await sleep(1100);
    const problems: string[] = [];
    await mapConcurrent(failed, CONCURRENCY, async ({ testCase }) => {
      const again = await rawRequest(service.baseUrl, testCase.request);
      if (!isImage(again)) {
        const code = errorCode(again);
        if (RASTER_FAILURE_CODES.has(code) && code === firstCode.get(testCase)) {
          defectsSeen.set('rasterFailureStaysCached', [...(defectsSeen.get('rasterFailureStaysCached') ?? []), testCase.name]);
          if (KNOWN_DEFECTS.rasterFailureStaysCached) return;
        }
        problems.push(`${testCase.name}: after the cure ${again.status} ${again.body.toString('utf8').slice(0, 200)}`);
        return;
      }
      // Served alone, the asset must now be the cure image itself.
      if (testCase.request.path.startsWith('/v1/assets/')) {
        const { data } = await sharp(again.body).resize(1, 1).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const distance = Math.abs(data[0]! - CURE_COLOR.r) + Math.abs(data[1]! - CURE_COLOR.g) + Math.abs(data[2]! - CURE_COLOR.b);
        if (distance > 12) problems.push(`${testCase.name}: after the cure the image is not the cure asset (rgb ${[...data]})`);
      }
    });
    expect(problems).toEqual([]);
  }, 120_000);
});
