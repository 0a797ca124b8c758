/**
 * Entry of the rasterizer process (spawned by rasterizer-process.ts with an address-space limit and V8 heap
 * flags). It reads jobs as frames on fd 3 and answers each in order: a PDF's page size, a PDF drawn at a size, an
 * SVG drawn at a size. A parsed PDF stays open for a few seconds, so the page-size read at decode time and the
 * render that follows parse the document once. A crash here costs one render; the service starts a new process.
 */
import { createHash } from 'node:crypto';
import { Socket } from 'node:net';
import { CardArtError } from '../errors.ts';
import type { RasterImage } from './asset-media.ts';
import { createFrameReader, encodeFrame, type FrameHeader } from './rasterizer-frames.ts';
import type { OpenPdf } from './rasterize-pdf.ts';
import { installPdfjsLocalFiles } from './pdfjs-local-files.ts';

/** Parsed documents kept for the render that usually follows a page-size read. */
const OPEN_PDF_LIMIT = 2;
const OPEN_PDF_IDLE_MS = 10_000;
/** A job carries one asset entry (≤ 20 MB) and a small header. */
const MAX_JOB_BYTES = 24 * 1024 * 1024;
/** A job sent along with the spawn is here well within 100 ms; a process without one by then was started ahead of work. */
const WARM_UP_WHEN_IDLE_MS = 100;

export interface RasterJob extends FrameHeader {
  id: number;
  op: 'pdf-size' | 'pdf-render' | 'svg-render';
  width?: number;
  height?: number;
  naturalWidth?: number;
  naturalHeight?: number;
  maxOperators?: number;
}

// pdf.js's colour management loads its WASM and CMYK profile through these (see pdfjs-local-files.ts).
installPdfjsLocalFiles();

const channel = new Socket({ fd: 3, readable: true, writable: true });
const openPdfs = new Map<string, { pdf: Promise<OpenPdf>; timer: NodeJS.Timeout }>();
let queue: Promise<void> = Promise.resolve();
/** Documents parsed so far (each answer says how many it took: 0 when the open document was reused). */
let pdfParses = 0;

let jobsReceived = 0;
const read = createFrameReader(MAX_JOB_BYTES, (header, payload) => {
  jobsReceived++;
  queue = queue.then(() => run(header as RasterJob, payload));
});
// A process started ahead of work (the service's) loads pdf.js and builds its colour management (kept for the
// process's life, ~1 s in all) while idle, so that no render pays for it; one started for a job that is already
// waiting does not (it loads them for that job). A job that arrives meanwhile waits at most for the step under way.
setTimeout(() => {
  if (jobsReceived > 0) return;
  queue = queue.then(async () => {
    const { warmUpPdfjs } = await import('./rasterize-pdf.ts');
    if (jobsReceived === 0) await warmUpPdfjs().catch(() => {});
  });
}, WARM_UP_WHEN_IDLE_MS);
channel.on('data', (chunk: Buffer) => {
  try {
    read(chunk);
  } catch {
    process.exit(2);
  }
});
// The service went away (or closed the channel): nothing left to do.
channel.on('end', () => process.exit(0));
channel.on('error', () => process.exit(0));

async function run(job: RasterJob, bytes: Buffer): Promise<void> {
  try {
    const parsesBefore = pdfParses;
    const image = await perform(job, bytes);
    const answer = { id: job.id, ok: true, width: image.width, height: image.height, parsed: pdfParses - parsesBefore };
    if ('data' in image) write(answer, image.data);
    else write(answer);
  } catch (error) {
    const known = error instanceof CardArtError;
    write({
      id: job.id,
      ok: false,
      status: known ? error.status : 502,
      code: known ? error.code : job.op === 'svg-render' ? 'SVG_INVALID' : 'PDF_INVALID',
      message: (error as Error)?.message ?? String(error),
      sizeSpecific: known && error.sizeSpecific,
    });
  }
}

function write(header: FrameHeader, payload?: Buffer): void {
  channel.cork();
  for (const chunk of encodeFrame(header, payload)) channel.write(chunk);
  channel.uncork();
}

async function perform(job: RasterJob, bytes: Buffer): Promise<RasterImage | { width: number; height: number }> {
  if (job.op === 'svg-render') {
    const { rasterizeSvg } = await import('./rasterize-svg.ts');
    const natural = job.naturalWidth && job.naturalHeight ? { width: job.naturalWidth, height: job.naturalHeight } : undefined;
    return rasterizeSvg(bytes, { width: job.width!, height: job.height! }, natural);
  }
  const key = createHash('sha256').update(bytes).digest('hex');
  const pdf = await openCached(key, bytes, job.maxOperators);
  // Never closed for idleness while a render runs (a render may take up to the time limit).
  clearTimeout(openPdfs.get(key)?.timer);
  try {
    if (job.op === 'pdf-size') return pdf.pageSize;
    return await pdf.render({ width: job.width!, height: job.height! });
  } catch (error) {
    forget(key);
    throw error;
  } finally {
    const entry = openPdfs.get(key);
    if (entry) entry.timer = setTimeout(() => forget(key), OPEN_PDF_IDLE_MS);
  }
}

async function openCached(key: string, bytes: Buffer, maxOperators: number | undefined): Promise<OpenPdf> {
  let entry = openPdfs.get(key);
  if (!entry) {
    const { openPdf } = await import('./rasterize-pdf.ts');
    // The process limits time; the render itself runs without a timer.
    const pdf = openPdf(bytes, { timeoutMs: 0, maxOperators });
    pdfParses++;
    entry = { pdf, timer: setTimeout(() => forget(key), OPEN_PDF_IDLE_MS) };
    openPdfs.set(key, entry);
    for (const old of [...openPdfs.keys()].slice(0, Math.max(0, openPdfs.size - OPEN_PDF_LIMIT))) forget(old);
  }
  try {
    return await entry.pdf;
  } catch (error) {
    forget(key);
    throw error;
  }
}

function forget(key: string): void {
  const entry = openPdfs.get(key);
  if (!entry) return;
  openPdfs.delete(key);
  clearTimeout(entry.timer);
  entry.pdf.then((pdf) => pdf.close(), () => {}).catch(() => {});
}
