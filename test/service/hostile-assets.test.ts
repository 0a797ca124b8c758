/**
 * Hostile PDFs through the HTTP API of the real server process (src/server.ts spawned, its own simulator in this
 * process): the server stays up, other requests keep being answered, each hostile asset gets a clean 502 with a
 * stable code, a repeat is answered from the remembered failure (no new Get Asset call), and the peak RSS of the
 * whole process group (server + rasterizer processes) stays under the documented 900 MB ceiling.
 */
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_SAMPLES_DIR } from '../../src/config.ts';
import { DEFAULT_PDF_RENDER_TIMEOUT_MS } from '../../src/core/pdf-limits.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator-server.ts';
import {
  errorBodyProblems,
  errorCode,
  makeTempDir,
  rawRequest,
  removeDir,
  sleep,
  SPAWN_DEADLINE_MS,
  spawnServer,
  waitFor,
  writeSigningKey,
  type RawResponse,
  type SpawnedServer,
} from '../hardening/harness.ts';
import {
  makeDoubleFlateBombPdf,
  makeHugeImagesPdf,
  makeInflateBombPdf,
  makeLzwBombPdf,
  makeLzwOverFlateBombPdf,
  makeNumberFloodPdf,
  makeSlowVectorPdf,
} from '../support/hostile-pdf-fixtures.ts';

/** The documented ceiling for the whole process group while hostile assets are rendered. */
const RSS_CEILING_MB = 900;
/** The page-size read and the render are each bounded by the render limit; 5 s more for the fetch and the answer. */
const ANSWER_WITHIN_MS = 2 * DEFAULT_PDF_RENDER_TIMEOUT_MS + 5000;
/** Fuzzed and malformed PDFs from pdf.js's test suite (see its README). */
const PDFJS_HOSTILE_DIR = fileURLToPath(new URL('../fixtures/pdfjs-corpus/hostile/', import.meta.url));
const BACKGROUND = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e02';
const GOOD_PDF_LOGO = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c11';
const WARM_CARD = `/v1/card-art?cardBackgroundAssetId=${BACKGROUND}&issuerLogoAssetId=${GOOD_PDF_LOGO}&width=768`;

interface HostileCase {
  id: string;
  what: string;
  make: () => Promise<Buffer>;
  /** The code every answer must carry; undefined = any clean outcome (200, or 502 with a stable code). */
  code?: string;
}

const CASES: HostileCase[] = [
  { id: 'hostile-number-flood', what: '~330 KB, 160 M numbers in one content stream', make: () => makeNumberFloodPdf(), code: 'PDF_TOO_COMPLEX' },
  { id: 'hostile-huge-images', what: '~840 KB, eight 36 MP images', make: () => makeHugeImagesPdf(), code: 'PDF_TOO_COMPLEX' },
  { id: 'hostile-inflate-bomb', what: '~1 MB, inflates to 1 GB', make: () => makeInflateBombPdf(), code: 'PDF_TOO_COMPLEX' },
  { id: 'hostile-double-flate', what: 'variant: Flate twice over, 512 MB', make: () => makeDoubleFlateBombPdf(), code: 'PDF_TOO_COMPLEX' },
  { id: 'hostile-escaped-filter', what: 'variant: bomb behind /Fl#61teDecode', make: () => makeInflateBombPdf(512 * 1024 * 1024, '/Fl#61teDecode'), code: 'PDF_TOO_COMPLEX' },
  { id: 'hostile-images-16mp', what: 'variant: eight 16 MP images (under the per-image bound)', make: () => makeHugeImagesPdf(8, 4000), code: 'PDF_TOO_COMPLEX' },
  { id: 'hostile-lzw-bomb', what: 'variant: 1 MB LZW to 2.6 GB', make: async () => makeLzwBombPdf(), code: 'PDF_TOO_COMPLEX' },
  { id: 'hostile-lzw-flate', what: 'variant: a 1 GB Flate bomb behind LZW', make: () => makeLzwOverFlateBombPdf(), code: 'PDF_TOO_COMPLEX' },
  {
    id: 'hostile-unscanned-lzw',
    what: 'variant: the LZW bomb as a font program behind a 70 KB stream dictionary (not preflighted: the memory limit holds)',
    make: async () => makeLzwBombPdf(undefined, { unscannedDictionaryChars: 70_000, inFontProgram: true }),
  },
  {
    id: 'hostile-unscanned-content',
    what: 'variant: the LZW bomb as page content behind a 70 KB stream dictionary (drawing cannot be bounded)',
    make: async () => makeLzwBombPdf(undefined, { unscannedDictionaryChars: 70_000 }),
    code: 'PDF_TOO_COMPLEX',
  },
  // Any clean outcome: an image, or a 502 with a stable code.
  ...(await readdir(PDFJS_HOSTILE_DIR))
    .filter((name) => name.endsWith('.pdf'))
    .sort()
    .map((name) => ({ id: `pdfjs-${name.slice(0, -4)}`, what: `pdf.js corpus ${name}`, make: () => readFile(path.join(PDFJS_HOSTILE_DIR, name)) })),
];

/** Samples the resident memory of a process and its children (from /proc) until stopped. */
function sampleGroupRss(rootPid: number) {
  let peakSumMb = 0;
  const peakPerPid = new Map<number, number>();
  const read = async (pid: number, field: 'VmRSS' | 'VmHWM') => {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  };
  const children = async (pid: number) =>
    (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number);
  let running = true;
  const loop = (async () => {
    while (running) {
      const pids = [rootPid, ...(await children(rootPid))];
      let sum = 0;
      for (const pid of pids) {
        sum += await read(pid, 'VmRSS');
        peakPerPid.set(pid, Math.max(peakPerPid.get(pid) ?? 0, await read(pid, 'VmHWM')));
      }
      peakSumMb = Math.max(peakSumMb, sum);
      await sleep(20);
    }
  })();
  return {
    children: () => children(rootPid),
    async stop() {
      running = false;
      await loop;
      // The sum of each process's own high-water mark bounds the group's peak from above (no spike is missed).
      const hwmSumMb = [...peakPerPid.values()].reduce((a, b) => a + b, 0);
      return { sampledPeakMb: Math.round(peakSumMb), hwmBoundMb: Math.round(hwmSumMb), perPid: peakPerPid };
    },
  };
}

describe('hostile PDFs through the HTTP API', () => {
  let dir: string;
  let simulator: RunningSimulator;
  let server: SpawnedServer;
  const figures: string[] = [];
  const get = (pathAndQuery: string, timeoutMs = 30_000) => rawRequest(server.baseUrl, { path: pathAndQuery, timeoutMs });

  beforeAll(async () => {
    dir = await makeTempDir('hostile-assets');
    for (const id of [BACKGROUND, GOOD_PDF_LOGO]) {
      const ext = id === BACKGROUND ? 'png' : 'pdf';
      await copyFile(path.join(BUNDLED_SAMPLES_DIR, `${id}.${ext}`), path.join(dir, `${id}.${ext}`));
    }
    for (const hostile of CASES) await writeFile(path.join(dir, `${hostile.id}.pdf`), await hostile.make());
    // A legitimate but slow page, to kill the rasterizer while it draws.
    await writeFile(path.join(dir, 'slow-vector.pdf'), makeSlowVectorPdf());
    const key = await writeSigningKey(dir);
    simulator = await startSimulator({ assetDir: dir, verifyKeyPem: key.publicKeyPem });
    server = await spawnServer({
      MDES_BASE_URL: simulator.baseUrl,
      MDES_CONSUMER_KEY: 'hostile-assets-test',
      MDES_SIGNING_KEY: key.keyPath,
      CACHE_DIR: path.join(dir, 'cache'),
      UPSTREAM_TIMEOUT_MS: '5000',
    });
    expect((await get(WARM_CARD)).status).toBe(200);
  }, SPAWN_DEADLINE_MS + 30_000);

  afterAll(async () => {
    if (figures.length) process.stdout.write(`\nhostile PDFs (peak RSS of the process group):\n${figures.join('\n')}\n`);
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await simulator?.close();
    await removeDir(dir);
  });

  it.each(CASES)('$id ($what): a clean answer, others served meanwhile, a remembered repeat, bounded RSS', async (hostile) => {
    const sampler = sampleGroupRss(server.child.pid!);
    const hostilePath = `/v1/card-art?cardBackgroundAssetId=${BACKGROUND}&issuerLogoAssetId=${hostile.id}&width=768`;
    const started = performance.now();
    const hostileAnswer = get(hostilePath);
    let settled = false;
    void hostileAnswer.finally(() => (settled = true));
    // Meanwhile: warm hits and cold renders (a card with text not rendered before).
    const others: RawResponse[] = [];
    do {
      others.push(await get(WARM_CARD));
      others.push(await get(`${WARM_CARD}&text=${encodeURIComponent(`${hostile.id.length} ${others.length}`)}`));
    } while (!settled && others.length < 400);
    const first = await hostileAnswer;
    const firstMs = performance.now() - started;
    const repeatStarted = performance.now();
    const repeat = await get(hostilePath);
    const repeatMs = performance.now() - repeatStarted;
    const rss = await sampler.stop();

    expect(server.child.exitCode).toBeNull();
    expect((await get('/healthz')).status).toBe(200);
    expect(others.map((answer) => answer.status)).toEqual(others.map(() => 200));
    if (hostile.code) {
      expect([first.status, errorCode(first)]).toEqual([502, hostile.code]);
    } else {
      expect(first.status === 200 || (first.status === 502 && /^[A-Z_]+$/.test(errorCode(first)))).toBe(true);
    }
    if (first.status !== 200) {
      expect(errorBodyProblems(first)).toEqual([]);
      // The repeat is the remembered failure: the same answer, and MDES was asked for the asset only once.
      expect([repeat.status, errorCode(repeat)]).toEqual([first.status, errorCode(first)]);
    } else {
      expect(repeat.status).toBe(200);
    }
    expect(simulator.counts()[`asset:${hostile.id}`]).toBe(1);
    expect(rss.hwmBoundMb).toBeLessThanOrEqual(RSS_CEILING_MB);
    expect(firstMs).toBeLessThan(ANSWER_WITHIN_MS);
    figures.push(
      `  ${hostile.id.padEnd(24)} ${String(first.status)} ${errorCode(first).padEnd(16)} peak ${rss.sampledPeakMb} MB sampled, ` +
        `≤ ${rss.hwmBoundMb} MB (sum of high-water marks); first ${Math.round(firstMs)} ms, repeat ${Math.round(repeatMs)} ms, ${others.length} other answers meanwhile`,
    );
  });

  it('a rasterizer killed mid-render costs that render one 502 RASTERIZER_DIED; the next render is fine', async () => {
    const children = async () =>
      (await readFile(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
    const rasterizers = await children();
    expect(rasterizers.length).toBeGreaterThan(0);
    // CPU seconds (clock ticks) a rasterizer has used: fields 14 and 15 of /proc/<pid>/stat, after the command name.
    const cpuTicks = async (pid: number) => {
      const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]);
    };
    const idleTicks = await Promise.all(rasterizers.map(cpuTicks));
    const slow = get('/v1/assets/slow-vector?width=1536&format=png');
    await waitFor('the slow asset to be fetched', () => (simulator.counts()['asset:slow-vector'] ?? 0) >= 1);
    // The one that draws is killed once it has drawn for ~100 ms of CPU: mid-render however fast or loaded the
    // machine (a render takes ≥ 0.5 s).
    let drawing: number | undefined;
    for (let tries = 0; tries < 1000 && drawing === undefined; tries++) {
      const ticks = await Promise.all(rasterizers.map(cpuTicks));
      drawing = rasterizers.find((_, i) => ticks[i]! - idleTicks[i]! >= 10);
      if (drawing === undefined) await sleep(10);
    }
    expect(drawing).toBeGreaterThan(0);
    process.kill(drawing!, 'SIGKILL');
    const killed = await slow;
    expect([killed.status, errorCode(killed)]).toEqual([502, 'RASTERIZER_DIED']);
    expect(errorBodyProblems(killed)).toEqual([]);
    expect((await get(WARM_CARD)).status).toBe(200);
    // Not the asset's fault, so not remembered: the same render now succeeds in the replacement process.
    const again = await get('/v1/assets/slow-vector?width=1536&format=png');
    expect(again.status).toBe(200);
    const replacements = await children();
    expect(replacements).toHaveLength(rasterizers.length);
    expect(replacements).not.toContain(drawing);
  }, 60_000);
});
