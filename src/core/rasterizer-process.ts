/**
 * Crash isolation for rasterizing: PDFs (pdf.js on canvas) and SVGs (librsvg via sharp) are drawn in long-lived
 * child processes, each started under an address-space limit (`prlimit --as`, a kernel setrlimit that any user
 * may lower) and V8 heap flags, with a time limit per render. A process that dies, runs out of memory or over
 * time costs the render it was doing a clean 502 and is replaced; the service process never loads pdf.js.
 * Jobs wait in a queue per client and are handed out in turn (client-fair-queue.ts); one client is held to all
 * processes but one, so a client whose files take seconds to draw never holds every process; and the processes run
 * at a lower CPU priority than the service (RASTERIZER_NICENESS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CardArtError, isErrorCode } from '../errors.ts';
import type { PixelSize, RasterImage } from './asset-media.ts';
import { createClientFairQueue } from './client-fair-queue.ts';
import { DEFAULT_PDF_MAX_OPERATORS, DEFAULT_PDF_RENDER_TIMEOUT_MS } from './pdf-limits.ts';
import type { RasterJob } from './rasterizer-child.ts';
import { createFrameReader, encodeFrame, type FrameHeader } from './rasterizer-frames.ts';

/**
 * 1536 MB of address space per process: node, pdf.js, canvas and sharp reserve about 1.3 GB of it before any work
 * (mapped, mostly not resident), which leaves a few hundred MB that a render can really touch. Measured: the hostile
 * fixtures in test/core/rasterizer-process.test.ts stop well below the 900 MB ceiling for the whole process group.
 */
export const DEFAULT_RASTERIZER_ADDRESS_SPACE_MB = 1536;
/** 256 MB of JS heap: pdf.js parsing a 20 MB card PDF needs a fraction; pixels live outside the heap. */
export const DEFAULT_RASTERIZER_HEAP_MB = 256;
/**
 * Niceness 5 (`nice -n`, inherited by every thread of the process): drawing yields the CPU to the service's own
 * threads (HTTP, warm hits, compositing), weighted about 1:3 against them, so a client whose files take seconds to
 * draw slows other clients' drawing, not the rest of their answers (measured: other users' cold cards 2.2-5.2x slower
 * at niceness 0, 0.8-1.0x at 5, under such a client on this 2-core machine). Not more: a busy service would then
 * starve legitimate drawing towards the time limit.
 */
export const RASTERIZER_NICENESS = 5;
/** 64 waiting renders: a few seconds of work; beyond that callers get 503 and retry. */
export const DEFAULT_RASTERIZER_QUEUE_LENGTH = 64;
/** Answers carry at most a 16 MP RGBA image. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024 + 1024;
const CHILD_SCRIPT = fileURLToPath(new URL('./rasterizer-child.ts', import.meta.url));
/** A one-point empty page: its page-size read loads pdf.js in a process before any real PDF needs it there. */
const WARM_UP_PDF = emptyPdf();

export interface RasterizerProcessOptions {
  /** Processes rendering at once; default 1. */
  size?: number;
  /** Processes one client's jobs may hold at once; default all but one (at least 1), so another client always finds one. */
  maxProcessesPerClient?: number;
  maxQueue?: number;
  /** Per-render time limit; the process is killed and replaced when a render runs over (502 *_TOO_COMPLEX). */
  renderTimeoutMs?: number;
  /** RLIMIT_AS of each process in MB. */
  addressSpaceMb?: number;
  /** V8 old-space limit of each process in MB. */
  heapMb?: number;
  maxOperators?: number;
  /** Start the processes now and restart one as soon as it dies (the service); otherwise on demand. */
  warm?: boolean;
  /** Told when a process dies or is killed (pid, why, the tail of its stderr). */
  onProcessExit?: (event: RasterizerExitEvent) => void;
}

export interface RasterizerExitEvent {
  pid: number | undefined;
  reason: 'timeout' | 'crashed' | 'killed' | 'exited';
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  during: RasterJob['op'] | undefined;
}

export interface RasterizerProcessStats {
  processes: number;
  busy: number;
  queued: number;
  /** Processes that died or were killed and replaced. */
  replaced: number;
  pids: number[];
  /** PDF documents parsed (a page-size read followed by renders of the same bytes parses once). */
  pdfParses: number;
  /** The last process could not be started (no prlimit, no node, out of processes) and none has answered since. */
  cannotStart: boolean;
}

/** Per job: whose turn it takes (jobs without a client take turns as one client) and its own time limit. */
export interface RasterJobOptions {
  client?: string;
  timeoutMs?: number;
}

export interface RasterizerProcessPool {
  renderPdf(bytes: Buffer, size: PixelSize, options?: RasterJobOptions): Promise<RasterImage>;
  pdfPageSize(bytes: Buffer, options?: Pick<RasterJobOptions, 'client'>): Promise<PixelSize>;
  renderSvg(bytes: Buffer, size: PixelSize, natural?: PixelSize, options?: RasterJobOptions): Promise<RasterImage>;
  stats(): RasterizerProcessStats;
  close(): Promise<void>;
}

interface PendingJob {
  client: string;
  job: RasterJob;
  bytes: Buffer;
  timeoutMs: number;
  resolve(answer: { header: FrameHeader; payload: Buffer }): void;
  reject(error: Error): void;
}

interface Slot {
  child: ChildProcess;
  channel: Socket;
  /** pdf.js is loaded (or loading) in this process. */
  pdfLoaded: boolean;
  current: PendingJob | undefined;
  timer: NodeJS.Timeout | undefined;
  stderr: string;
  timedOut: boolean;
  dead: boolean;
}

export function createRasterizerProcessPool(options: RasterizerProcessOptions = {}): RasterizerProcessPool {
  const size = Math.max(1, options.size ?? 1);
  const maxQueue = options.maxQueue ?? DEFAULT_RASTERIZER_QUEUE_LENGTH;
  const timeoutMs = options.renderTimeoutMs ?? DEFAULT_PDF_RENDER_TIMEOUT_MS;
  const addressSpaceBytes = (options.addressSpaceMb ?? DEFAULT_RASTERIZER_ADDRESS_SPACE_MB) * 1024 * 1024;
  const heapMb = options.heapMb ?? DEFAULT_RASTERIZER_HEAP_MB;
  const maxOperators = options.maxOperators ?? DEFAULT_PDF_MAX_OPERATORS;
  const slots: Slot[] = [];
  const queue = createClientFairQueue<PendingJob>({ maxRunningPerClient: options.maxProcessesPerClient ?? Math.max(1, size - 1) });
  let nextId = 1;
  let replaced = 0;
  let pdfParses = 0;
  let closed = false;
  let cannotStart = false;
  /** A PDF job has been given to a process. */
  let pdfSeen = false;

  function spawnSlot(): Slot {
    const child = spawn(
      'nice',
      // --initial-old-space-size: with V8's own tight old-generation limit the child ran a full mark-compact every
      // ~50 ms under card renders (each 5-18 ms, stalling the next job); 64 MB (below the heap cap) cut that ~3x.
      [
        `-n${RASTERIZER_NICENESS}`,
        'prlimit',
        `--as=${addressSpaceBytes}`,
        '--',
        process.execPath,
        `--max-old-space-size=${heapMb}`,
        '--max-semi-space-size=4',
        `--initial-old-space-size=${Math.min(64, heapMb)}`,
        CHILD_SCRIPT,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
        // Two malloc arenas: libvips and canvas threads otherwise each reserve 64 MB of the address space.
        env: { ...process.env, MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: '2' },
      },
    );
    const channel = child.stdio[3] as Socket;
    const slot: Slot = { child, channel, pdfLoaded: false, current: undefined, timer: undefined, stderr: '', timedOut: false, dead: false };
    child.stderr!.on('data', (chunk: Buffer) => (slot.stderr = (slot.stderr + chunk.toString('utf8')).slice(-4096)));
    const read = createFrameReader(MAX_ANSWER_BYTES, (header, payload) => finish(slot, header, payload));
    channel.on('data', (chunk: Buffer) => {
      try {
        read(chunk);
      } catch {
        slot.child.kill('SIGKILL');
      }
    });
    channel.on('error', () => {});
    // A process that cannot start (no prlimit, no node) fails its job like one that died.
    child.on('error', () => {
      cannotStart = true;
      died(slot, null, null);
    });
    // 'close', not 'exit': by then every byte the process wrote has been read.
    child.once('close', (code, signal) => died(slot, code, signal));
    idle(slot);
    return slot;
  }

  /**
   * Once PDFs are being drawn, every idle process without pdf.js loads it now, so the next client's first PDF there
   * does not wait for it (~0.3 s of CPU, more on a busy machine); a service that never draws a PDF never pays it.
   */
  function loadPdfJsWhereIdle(): void {
    if (!pdfSeen) return;
    for (const slot of slots) {
      if (slot.current || slot.pdfLoaded) continue;
      slot.pdfLoaded = true;
      // A page-size read nobody waits for: its answer matches no job and is dropped; a job given to this process
      // meanwhile is answered after it.
      for (const chunk of encodeFrame({ op: 'pdf-size', id: nextId++ }, WARM_UP_PDF)) slot.channel.write(chunk);
    }
  }

  /** An idle process does not keep the service (or a CLI) alive; a busy one does. */
  function idle(slot: Slot): void {
    slot.child.unref();
    slot.channel.unref();
    (slot.child.stderr as Socket | null)?.unref?.();
  }

  function busy(slot: Slot): void {
    slot.child.ref();
    slot.channel.ref();
  }

  function dispatch(): void {
    if (closed) return;
    while (queue.waiting > 0) {
      let slot = slots.find((candidate) => !candidate.current);
      if (!slot && slots.length >= size) break;
      // The client whose turn it is (none when every waiting client already holds its share).
      const pending = queue.next()?.item;
      if (!pending) break;
      if (!slot) {
        slot = spawnSlot();
        slots.push(slot);
      }
      start(slot, pending);
    }
    loadPdfJsWhereIdle();
  }

  function start(slot: Slot, pending: PendingJob): void {
    slot.current = pending;
    if (pending.job.op !== 'svg-render') {
      slot.pdfLoaded = true;
      pdfSeen = true;
    }
    busy(slot);
    if (pending.timeoutMs > 0) {
      slot.timer = setTimeout(() => {
        slot.timedOut = true;
        slot.child.kill('SIGKILL');
      }, pending.timeoutMs);
    }
    slot.channel.cork();
    for (const chunk of encodeFrame(pending.job, pending.bytes)) slot.channel.write(chunk);
    slot.channel.uncork();
  }

  function finish(slot: Slot, header: FrameHeader, payload: Buffer): void {
    const pending = slot.current;
    if (!pending || header.id !== pending.job.id) return;
    clearTimeout(slot.timer);
    slot.current = undefined;
    queue.done(pending.client);
    pdfParses += Number(header.parsed) || 0;
    cannotStart = false;
    idle(slot);
    pending.resolve({ header, payload });
    dispatch();
  }

  function died(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.dead) return;
    slot.dead = true;
    clearTimeout(slot.timer);
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
    const pending = slot.current;
    slot.current = undefined;
    if (pending) queue.done(pending.client);
    if (closed) {
      pending?.reject(poolClosed());
      return;
    }
    replaced++;
    const reason: RasterizerExitEvent['reason'] = slot.timedOut
      ? 'timeout'
      : signal === 'SIGKILL' || signal === 'SIGTERM'
        ? 'killed'
        : pending
          ? 'crashed'
          : 'exited';
    options.onProcessExit?.({ pid: slot.child.pid, reason, code, signal, stderr: slot.stderr, during: pending?.job.op });
    if (pending) pending.reject(deathError(reason, pending.job.op, pending.timeoutMs));
    // Restarted at once, unless it never started (then each job tries again, so nothing spins).
    if (options.warm && slot.child.pid !== undefined && slots.length < size) slots.push(spawnSlot());
    dispatch();
  }

  function submit(job: Omit<RasterJob, 'id'>, bytes: Buffer, jobOptions: RasterJobOptions): Promise<{ header: FrameHeader; payload: Buffer }> {
    if (closed) return Promise.reject(poolClosed());
    if (queue.waiting >= maxQueue) {
      return Promise.reject(new CardArtError('RENDER_QUEUE_FULL', `${queue.waiting} rasterizer jobs are already waiting`, { retryAfterSeconds: 1 }));
    }
    const client = jobOptions.client ?? '';
    return new Promise((resolve, reject) => {
      queue.push(client, { client, job: { ...job, id: nextId++, maxOperators } as RasterJob, bytes, timeoutMs: jobOptions.timeoutMs ?? timeoutMs, resolve, reject });
      dispatch();
    });
  }

  async function image(job: Omit<RasterJob, 'id'>, bytes: Buffer, jobOptions: RasterJobOptions): Promise<RasterImage> {
    const { header, payload } = await submit(job, bytes, jobOptions);
    const answer = checkAnswer(header);
    if (payload.length !== answer.width * answer.height * 4) {
      throw new CardArtError('RASTERIZER_ANSWER_INVALID', 'the rasterizer process returned a wrong number of pixels');
    }
    return { data: payload, width: answer.width, height: answer.height };
  }

  if (options.warm) for (let i = 0; i < size; i++) slots.push(spawnSlot());

  return {
    renderPdf(bytes, target, jobOptions = {}) {
      return image({ op: 'pdf-render', width: target.width, height: target.height }, bytes, jobOptions);
    },
    async pdfPageSize(bytes, jobOptions = {}) {
      const { header } = await submit({ op: 'pdf-size' }, bytes, jobOptions);
      const answer = checkAnswer(header);
      return { width: answer.width, height: answer.height };
    },
    renderSvg(bytes, target, natural, jobOptions = {}) {
      return image(
        { op: 'svg-render', width: target.width, height: target.height, naturalWidth: natural?.width, naturalHeight: natural?.height },
        bytes,
        jobOptions,
      );
    },
    stats() {
      return {
        processes: slots.length,
        busy: slots.filter((slot) => slot.current).length,
        queued: queue.waiting,
        replaced,
        pids: slots.map((slot) => slot.child.pid).filter((pid): pid is number => pid !== undefined),
        pdfParses,
        cannotStart,
      };
    },
    async close() {
      closed = true;
      for (const pending of queue.takeAll()) pending.reject(poolClosed());
      await Promise.all(
        slots.splice(0).map(
          (slot) =>
            new Promise<void>((resolve) => {
              clearTimeout(slot.timer);
              slot.current?.reject(poolClosed());
              slot.current = undefined;
              if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
              slot.child.once('close', () => resolve());
              // An idle process is unref'd: hold the event loop until its 'close', or close() never settles.
              busy(slot);
              slot.child.kill('SIGKILL');
            }),
        ),
      );
    },
  };
}

function checkAnswer(header: FrameHeader): { width: number; height: number } {
  if (header.ok !== true) {
    throw new CardArtError(isErrorCode(header.code) ? header.code : 'RASTERIZER_ANSWER_INVALID', String(header.message ?? ''), {
      sizeSpecific: header.sizeSpecific === true,
    });
  }
  return { width: Number(header.width), height: Number(header.height) };
}

/**
 * Over time or out of memory is the asset's own doing (remembered like any bad asset); a process killed from
 * outside (SIGKILL, SIGTERM: an operator, the OOM killer) is not, and says so with RASTERIZER_DIED.
 */
function deathError(reason: RasterizerExitEvent['reason'], op: RasterJob['op'], timeoutMs: number): CardArtError {
  const kind = op === 'svg-render' ? 'SVG' : 'PDF';
  if (reason === 'timeout') return new CardArtError(`${kind}_TOO_COMPLEX`, `${kind} render exceeded ${timeoutMs} ms`);
  if (reason === 'crashed') {
    return new CardArtError(`${kind}_TOO_COMPLEX`, `${kind} needs more memory than one render may use`);
  }
  return new CardArtError('RASTERIZER_DIED', 'The rasterizer stopped during this render; try again');
}

/** A minimal valid PDF: one empty 1×1 pt page, with a correct cross-reference table. */
function emptyPdf(): Buffer {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1] >>'];
  let body = '%PDF-1.4\n';
  const offsets = objects.map((object, index) => {
    const offset = body.length;
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
    return offset;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

function poolClosed(): CardArtError {
  return new CardArtError('RENDER_POOL_CLOSED', 'The rasterizer is closed');
}
