import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { AssetMedia, RasterImage } from '../../src/core/asset-media.ts';
import { readFile } from 'node:fs/promises';
import { createRasterizerProcessPool } from '../../src/core/rasterizer-process.ts';
import { createRasterizer } from '../../src/core/rasterizer.ts';
import { DEFAULT_PDF_RENDER_TIMEOUT_MS } from '../../src/core/pdf-limits.ts';
import {
  makeLongStringPdf,
  makeLzwBombPdf,
  makeOperatorFloodPdf,
  makeRepeatedImagePdf,
  makeSaveRestoreFloodPdf,
  makeSlowVectorPdf,
} from '../support/hostile-pdf-fixtures.ts';
import { makeEncryptedLookingPdf, makeVectorPdf } from '../support/pdf-fixtures.ts';
import { makeSvg } from '../support/svg-fixtures.ts';

function pixel(image: RasterImage, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.data.subarray(at, at + 4)];
}

async function errorOf(promise: Promise<unknown>): Promise<{ status?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { status?: number; code?: string };
  }
  throw new Error('expected a rejection');
}

/** Many small rectangles: a page that takes pdf.js a noticeable while to draw at 1500 px. */
async function busyPdf(): Promise<Buffer> {
  const shapes = [];
  for (let i = 0; i < 300; i++) shapes.push({ x: (i * 7) % 290, y: (i * 13) % 180, w: 9, h: 9, color: '#336699', opacity: 0.5 });
  return makeVectorPdf({ widthPt: 300, heightPt: 189, shapes });
}

/**
 * For pools whose tests are not about the render time limit. A render's limit runs from when it is handed to a
 * process, a cold one's start included, and on a loaded machine (load 24 on 2 cores) that start alone passed the
 * 10 s default for five 64 px renders.
 */
const UNHURRIED_MS = 60_000;

const colourPdf = (color: string) =>
  makeVectorPdf({ widthPt: 100, heightPt: 50, shapes: [{ x: 0, y: 0, w: 100, h: 50, color }] });

describe('rasterizer processes', () => {
  const pool = createRasterizerProcessPool({ size: 2, maxQueue: 8, renderTimeoutMs: UNHURRIED_MS });
  afterAll(() => pool.close());

  it('renders several clients’ PDFs in parallel, each with its own pixels', async () => {
    const colours = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#00ffff'];
    const pdfs = await Promise.all(colours.map(colourPdf));
    const images = await Promise.all(pdfs.map((pdf, i) => pool.renderPdf(pdf, { width: 64, height: 32 }, { client: `client-${i}` })));
    expect(images.map((image) => pixel(image, 32, 16))).toEqual([
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
      [255, 255, 0, 255],
      [0, 255, 255, 255],
    ]);
    expect(images.every((image) => image.data.length === 64 * 32 * 4)).toBe(true);
    expect(pool.stats()).toMatchObject({ processes: 2, busy: 0, queued: 0 });
  });

  it('returns content errors from the worker with their codes', async () => {
    expect(await errorOf(pool.renderPdf(makeEncryptedLookingPdf(), { width: 10, height: 10 }))).toMatchObject({
      status: 502,
      code: 'PDF_ENCRYPTED',
    });
  });

  it('kills a render over the time limit and keeps serving with a fresh process', async () => {
    const before = pool.stats().replaced;
    const slow = pool.renderPdf(await busyPdf(), { width: 1500, height: 945 }, { timeoutMs: 1 });
    expect(await errorOf(slow)).toMatchObject({ status: 502, code: 'PDF_TOO_COMPLEX' });
    expect(pool.stats().replaced).toBe(before + 1);
    const image = await pool.renderPdf(await colourPdf('#ff00ff'), { width: 20, height: 10 });
    expect(pixel(image, 10, 5)).toEqual([255, 0, 255, 255]);
  });

  it('refuses renders beyond the queue bound with 503 RENDER_QUEUE_FULL', async () => {
    const pdf = await colourPdf('#000000');
    // 2 go straight to the (already running) processes, 8 wait in the queue, the 11th is refused.
    const accepted = Array.from({ length: 10 }, (_, i) => pool.renderPdf(pdf, { width: 10, height: 10 }, { client: `client-${i % 2}` }));
    expect(pool.stats()).toMatchObject({ busy: 2, queued: 8 });
    expect(await errorOf(pool.renderPdf(pdf, { width: 10, height: 10 }))).toMatchObject({ status: 503, code: 'RENDER_QUEUE_FULL' });
    expect(await Promise.all(accepted)).toHaveLength(10);
  });

  it('rejects waiting renders when closed', async () => {
    const closing = createRasterizerProcessPool({ size: 1 });
    const pdf = await colourPdf('#000000');
    const pending = [closing.renderPdf(pdf, { width: 10, height: 10 }), closing.renderPdf(pdf, { width: 10, height: 10 })].map(errorOf);
    await closing.close();
    for (const error of await Promise.all(pending)) expect(error).toMatchObject({ code: 'RENDER_POOL_CLOSED' });
    expect(await errorOf(closing.renderPdf(pdf, { width: 10, height: 10 }))).toMatchObject({ code: 'RENDER_POOL_CLOSED' });
  });
});

describe('rasterizer processes: page size', () => {
  it('reads page 1 size in the process, with content errors coded as in process', async () => {
    const pool = createRasterizerProcessPool({ size: 1, renderTimeoutMs: UNHURRIED_MS });
    try {
      expect(await pool.pdfPageSize(await makeVectorPdf({ widthPt: 150, heightPt: 90, shapes: [] }))).toEqual({ width: 150, height: 90 });
      expect(await errorOf(pool.pdfPageSize(Buffer.from('%PDF-1.4 not really')))).toMatchObject({ status: 502 });
    } finally {
      await pool.close();
    }
  });
});

const procStatus = async (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

describe('rasterizer processes: isolation and limits', () => {
  it('starts each process under prlimit --as and V8 heap flags, and the limit holds (a 2.6 GB LZW bomb peaks far below it)', async () => {
    const pool = createRasterizerProcessPool({ warm: true, addressSpaceMb: 1600, heapMb: 200, renderTimeoutMs: UNHURRIED_MS });
    try {
      const [pid] = pool.stats().pids;
      // Once it has answered, the process is node itself (prlimit set the limit, then exec'ed it).
      await pool.pdfPageSize(await colourPdf('#000000'));
      const limits = await readFile(`/proc/${pid}/limits`, 'utf8');
      expect(/Max address space\s+(\d+)\s+(\d+)/.exec(limits)?.slice(1)).toEqual([String(1600 * 1024 * 1024), String(1600 * 1024 * 1024)]);
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      expect(cmdline).toContain('--max-old-space-size=200');
      expect(cmdline).toContain('--initial-old-space-size=64');
      // The LZW stream decodes to 2.6 GB of spaces, which pdf.js would hold whole: the kernel refuses the memory.
      // It is a font program behind a padded dictionary, which the preflight does not look into, so it reaches pdf.js.
      // The default limit for the bomb (memory or time refuses it; a minute would outlast the test).
      const bomb = makeLzwBombPdf(undefined, { unscannedDictionaryChars: 70_000, inFontProgram: true });
      const outcome = await pool.renderPdf(bomb, { width: 300, height: 189 }, { timeoutMs: DEFAULT_PDF_RENDER_TIMEOUT_MS }).then(
        () => 'rendered',
        (error: { code?: string }) => error.code,
      );
      expect(['rendered', 'PDF_TOO_COMPLEX', 'PDF_INVALID']).toContain(outcome);
      const alive = pool.stats().pids[0];
      if (alive === pid) expect(await procStatus(pid!, 'VmHWM')).toBeLessThan(1600);
    } finally {
      await pool.close();
    }
    // A cold start and the bomb's 10 s took 24 s of the default 30 on a loaded machine.
  }, 60_000);

  it('a render that exhausts the V8 heap kills only its process: 502 PDF_TOO_COMPLEX, replaced, next render fine', async () => {
    const pool = createRasterizerProcessPool({ heapMb: 64 });
    try {
      // Inside every preflight bound (one 16 MB string, nothing drawn), but pdf.js lexes it char by char into the heap.
      const flood = await makeLongStringPdf(16_000_000);
      expect(await errorOf(pool.renderPdf(flood, { width: 300, height: 189 }))).toMatchObject({ status: 502, code: 'PDF_TOO_COMPLEX' });
      expect(pool.stats().replaced).toBe(1);
      expect(pixel(await pool.renderPdf(await colourPdf('#00ff00'), { width: 20, height: 10 }), 10, 5)).toEqual([0, 255, 0, 255]);
    } finally {
      await pool.close();
    }
  });

  it('refuses 12 M cheap operators by the operator bound, a form flood by the preflight (the process lives on) and a slow page by the time limit', async () => {
    const pool = createRasterizerProcessPool();
    try {
      const operators = await errorOf(pool.renderPdf(await makeSaveRestoreFloodPdf(), { width: 300, height: 189 }));
      expect(operators).toMatchObject({ status: 502, code: 'PDF_TOO_COMPLEX' });
      expect((operators as { message?: string }).message).toContain('drawing operators');
      const forms = await errorOf(pool.renderPdf(makeOperatorFloodPdf(), { width: 300, height: 189 }));
      expect(forms).toMatchObject({ status: 502, code: 'PDF_TOO_COMPLEX' });
      expect((forms as { message?: string }).message).toContain('path segments');
      expect(pool.stats().replaced).toBe(0);
      // Just under the preflight's painted-pixel bound: seconds of drawing at the card's full width.
      const overTime = await errorOf(pool.renderPdf(makeRepeatedImagePdf(26), { width: 1536, height: 969 }, { timeoutMs: 300 }));
      expect(overTime).toMatchObject({ status: 502, code: 'PDF_TOO_COMPLEX', message: 'PDF render exceeded 300 ms' });
      expect(pool.stats().replaced).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('a process killed from outside mid-render costs that render 502 RASTERIZER_DIED; the next render is fine', async () => {
    const pool = createRasterizerProcessPool({ warm: true, renderTimeoutMs: UNHURRIED_MS });
    try {
      const [pid] = pool.stats().pids;
      // CPU time (clock ticks) the process has used: fields 14 and 15 of /proc/<pid>/stat, after the command name.
      const cpuTicks = async () => {
        const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
        return Number(fields[11]) + Number(fields[12]);
      };
      const idleTicks = await cpuTicks();
      const slow = errorOf(pool.renderPdf(makeSlowVectorPdf(), { width: 1536, height: 969 }));
      // Killed once it has drawn for ~100 ms of CPU (the page takes seconds): mid-render however fast or loaded the
      // machine, where a fixed 500 ms pause could come before the drawing started or, on a fast one, near its end.
      for (let tries = 0; tries < 2000 && (await cpuTicks()) - idleTicks < 10; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await cpuTicks()) - idleTicks).toBeGreaterThanOrEqual(10);
      expect(pool.stats().busy).toBe(1);
      process.kill(pid!, 'SIGKILL');
      expect(await slow).toMatchObject({ status: 502, code: 'RASTERIZER_DIED' });
      expect(pool.stats().pids).not.toContain(pid);
      expect(pixel(await pool.renderPdf(await colourPdf('#0000ff'), { width: 20, height: 10 }), 10, 5)).toEqual([0, 0, 255, 255]);
    } finally {
      await pool.close();
    }
  });

  it('parses a PDF once for its page size and the renders that follow', async () => {
    const pool = createRasterizerProcessPool({ renderTimeoutMs: UNHURRIED_MS });
    try {
      const pdf = await colourPdf('#123456');
      expect(await pool.pdfPageSize(pdf)).toEqual({ width: 100, height: 50 });
      await pool.renderPdf(pdf, { width: 40, height: 20 });
      await pool.renderPdf(pdf, { width: 80, height: 40 });
      expect(pool.stats().pdfParses).toBe(1);
    } finally {
      await pool.close();
    }
  });
});

describe('createRasterizer', () => {
  it.each([
    ['in a rasterizer process', 1],
    ['in process', 0],
  ])('reads a PDF page size %s', async (_name, processes) => {
    const rasterizer = createRasterizer({ processes, pdfRenderTimeoutMs: UNHURRIED_MS });
    try {
      expect(await rasterizer.readPdfPageSize(await colourPdf('#00ff00'))).toEqual({ width: 100, height: 50 });
    } finally {
      await rasterizer.close();
    }
  });

  it.each([
    ['in a rasterizer process', 1],
    ['in process', 0],
  ])('rasterizes PNG, SVG and PDF to the exact size %s', async (_name, processes) => {
    const rasterizer = createRasterizer({ processes, pdfRenderTimeoutMs: UNHURRIED_MS });
    try {
      const pngBytes = await sharp({ create: { width: 40, height: 20, channels: 4, background: '#00ff00' } }).png().toBuffer();
      const svgBytes = makeSvg({ width: 40, height: 20, rects: [{ x: 0, y: 0, w: 40, h: 20, color: '#0000ff' }] });
      const media: AssetMedia[] = [
        { kind: 'png', bytes: pngBytes, width: 40, height: 20 },
        { kind: 'svg', bytes: svgBytes, width: 40, height: 20 },
        { kind: 'pdf', bytes: await colourPdf('#ff0000'), width: 100, height: 50 },
      ];
      const images = await Promise.all(media.map((item) => rasterizer.rasterize(item, { width: 301, height: 150 })));
      expect(images.map((image) => [image.width, image.height, image.data.length])).toEqual([
        [301, 150, 301 * 150 * 4],
        [301, 150, 301 * 150 * 4],
        [301, 150, 301 * 150 * 4],
      ]);
      expect(images.map((image) => pixel(image, 150, 75))).toEqual([
        [0, 255, 0, 255],
        [0, 0, 255, 255],
        [255, 0, 0, 255],
      ]);
    } finally {
      await rasterizer.close();
    }
  });

  it('refuses an output size that is not positive integers or is over the pixel bound', async () => {
    const rasterizer = createRasterizer({ processes: 0, maxOutputPixels: 10_000 });
    const media: AssetMedia = { kind: 'svg', bytes: makeSvg({ width: 10, height: 10 }), width: 10, height: 10 };
    for (const size of [{ width: 0, height: 10 }, { width: 10.5, height: 10 }, { width: 101, height: 100 }]) {
      expect(await errorOf(rasterizer.rasterize(media, size))).toMatchObject({ code: 'RENDER_SIZE_INVALID' });
    }
    await rasterizer.close();
  });
});

describe('rasterizer processes: a process that cannot start', () => {
  it('fails the render, reports the renderer not alive until a process answers again', async () => {
    const rasterizer = createRasterizer({ processes: 1, pdfRenderTimeoutMs: UNHURRIED_MS });
    const pdf = await colourPdf('#00ff00');
    const media = { kind: 'pdf', bytes: pdf, width: 100, height: 50 } as AssetMedia;
    const savedPath = process.env.PATH;
    try {
      process.env.PATH = '/nonexistent-card-art-path';
      expect(await errorOf(rasterizer.rasterize(media, { width: 100, height: 50 }))).toMatchObject({ status: 502 });
      expect(rasterizer.alive()).toBe(false);
    } finally {
      process.env.PATH = savedPath;
    }
    const image = await rasterizer.rasterize(media, { width: 100, height: 50 });
    expect(pixel(image, 50, 25)).toEqual([0, 255, 0, 255]);
    expect(rasterizer.alive()).toBe(true);
    await rasterizer.close();
  });
});

describe('rasterizer processes: turns by client', () => {
  it('holds one client to all processes but one, so another client’s job starts at once', async () => {
    const pool = createRasterizerProcessPool({ size: 2, warm: true });
    try {
      const heavy = makeRepeatedImagePdf(26);
      // The heavy client asks for three slow renders: one runs, two wait although a process is free.
      const slow = [0, 1, 2].map(() => pool.renderPdf(heavy, { width: 1536, height: 969 }, { client: 'heavy' }));
      expect(pool.stats()).toMatchObject({ processes: 2, busy: 1, queued: 2 });
      // Another client's job takes the free process at once, ahead of the heavy client's backlog.
      const light = pool.renderPdf(await colourPdf('#00ff00'), { width: 20, height: 10 }, { client: 'light' });
      expect(pool.stats()).toMatchObject({ busy: 2, queued: 2 });
      expect(pixel(await light, 10, 5)).toEqual([0, 255, 0, 255]);
      expect((await Promise.all(slow)).map((image) => image.width)).toEqual([1536, 1536, 1536]);
      expect(pool.stats()).toMatchObject({ busy: 0, queued: 0 });
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('hands waiting jobs out client by client, not in arrival order', async () => {
    const pool = createRasterizerProcessPool({ size: 1 });
    try {
      const pdf = await colourPdf('#000000');
      const order: string[] = [];
      const job = (client: string, n: number) => pool.renderPdf(pdf, { width: 10, height: 10 }, { client }).then(() => order.push(`${client}${n}`));
      // a0 runs; a1, a2, a3 wait, then b0 and c0 arrive: they go before a's backlog.
      const jobs = [job('a', 0), job('a', 1), job('a', 2), job('a', 3), job('b', 0), job('c', 0)];
      await Promise.all(jobs);
      expect(order).toEqual(['a0', 'b0', 'c0', 'a1', 'a2', 'a3']);
    } finally {
      await pool.close();
    }
  });
});
