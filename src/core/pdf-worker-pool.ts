import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CardArtError, isErrorCode } from '../errors.ts';
import type { PixelSize, RasterImage } from './asset-media.ts';
import { DEFAULT_PDF_MAX_IMAGE_PIXELS, DEFAULT_PDF_RENDER_TIMEOUT_MS } from './pdf-limits.ts';

/** 512 MB of JS heap per worker: pdf.js parsing a 20 MB PDF needs far less; pixels live outside the heap. */
const WORKER_HEAP_MB = 512;
/** 64 waiting renders: a few seconds of work for two workers; beyond that callers get 503 and retry. */
export const DEFAULT_PDF_QUEUE_LENGTH = 64;
/** 30 s: a worker holds ~50 MB (pdf.js and its heap); PDFs come in bursts (a new card's assets), then rarely. */
export const DEFAULT_PDF_WORKER_IDLE_MS = 30_000;

export interface PdfWorkerPoolOptions {
  /** Worker threads; default min(2, cores). */
  size?: number;
  /** Renders waiting for a worker before new ones are refused with 503 RENDER_QUEUE_FULL. */
  maxQueue?: number;
  /** Per-render limit; the worker is terminated and replaced when it runs over (502 PDF_TOO_COMPLEX: the same asset would time out again). */
  renderTimeoutMs?: number;
  maxImagePixels?: number;
  /** A worker idle this long is terminated (a new one starts on demand); 0 keeps workers forever. */
  idleTimeoutMs?: number;
}

export interface PdfWorkerPoolStats {
  workers: number;
  busy: number;
  queued: number;
  /** Workers terminated for running over the time limit or failing. */
  replaced: number;
  /** Workers terminated after idling for idleTimeoutMs. */
  retired: number;
}

export interface PdfWorkerPool {
  /** `timeoutMs` overrides the pool's render time limit for this call. */
  render(bytes: Buffer, size: PixelSize, options?: { timeoutMs?: number }): Promise<RasterImage>;
  /** Page 1's view size in points, read in a worker so the calling thread never loads pdf.js. */
  pageSize(bytes: Buffer): Promise<PixelSize>;
  stats(): PdfWorkerPoolStats;
  close(): Promise<void>;
}

/** Message to a worker. `bytes` is the worker's own copy, transferred. With `size` it renders; without, it reads page 1's size. */
export interface PdfJob {
  id: number;
  bytes: Uint8Array;
  size?: PixelSize;
  maxImagePixels: number;
}

/** `pixels` is present for a render, absent for a page-size read (width and height are then points). */
export type PdfJobResult =
  | { id: number; ok: true; pixels?: ArrayBuffer; width: number; height: number }
  | { id: number; ok: false; code: string; message: string };

interface PendingJob {
  job: PdfJob;
  timeoutMs: number;
  resolve(result: Extract<PdfJobResult, { ok: true }>): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  current: PendingJob | undefined;
  timer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

const WORKER_URL = new URL('./pdf-render-worker.ts', import.meta.url);

/** A small worker_threads pool that renders PDFs off the main thread, with a bounded queue and a hard time limit. */
export function createPdfWorkerPool(options: PdfWorkerPoolOptions = {}): PdfWorkerPool {
  const size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
  const maxQueue = options.maxQueue ?? DEFAULT_PDF_QUEUE_LENGTH;
  const timeoutMs = options.renderTimeoutMs ?? DEFAULT_PDF_RENDER_TIMEOUT_MS;
  const maxImagePixels = options.maxImagePixels ?? DEFAULT_PDF_MAX_IMAGE_PIXELS;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_PDF_WORKER_IDLE_MS;
  const slots: Slot[] = [];
  const queue: PendingJob[] = [];
  let nextId = 1;
  let replaced = 0;
  let retired = 0;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    const slot: Slot = { worker, current: undefined, timer: undefined, idleTimer: undefined };
    slot.worker.unref();
    slot.worker.on('message', (result: PdfJobResult) => finish(slot, result));
    slot.worker.on('error', (error) => {
      replace(slot, new CardArtError('RENDER_WORKER_FAILED', `PDF worker failed: ${error.message}`, { cause: error }));
    });
    slot.worker.on('exit', (code) => {
      if (!closed) replace(slot, new CardArtError('RENDER_WORKER_FAILED', `PDF worker exited with code ${code}`));
    });
    return slot;
  }

  function dispatch(): void {
    while (!closed && queue.length > 0) {
      let slot = slots.find((candidate) => !candidate.current);
      if (!slot && slots.length < size) {
        slot = spawn();
        slots.push(slot);
      }
      if (!slot) return;
      const pending = queue.shift()!;
      clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      slot.current = pending;
      // Busy workers keep the process alive (a CLI awaiting a render); idle ones do not.
      slot.worker.ref();
      const limit = pending.timeoutMs;
      if (limit > 0) {
        slot.timer = setTimeout(() => {
          replace(slot, new CardArtError('PDF_TOO_COMPLEX', `PDF render exceeded ${limit} ms`));
        }, limit);
      }
      slot.worker.postMessage(pending.job, [pending.job.bytes.buffer as ArrayBuffer]);
    }
  }

  /** Terminates `slot`'s worker after idleTimeoutMs without work (its memory goes back; a new one starts on demand). */
  function retireWhenIdle(slot: Slot): void {
    if (idleTimeoutMs <= 0 || closed) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.current || closed || !discard(slot)) return;
      retired++;
    }, idleTimeoutMs);
    slot.idleTimer.unref();
  }

  function settle(slot: Slot): PendingJob | undefined {
    const pending = slot.current;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.current = undefined;
    slot.worker.unref();
    return pending;
  }

  function finish(slot: Slot, result: PdfJobResult): void {
    if (!slot.current || slot.current.job.id !== result.id) return;
    const pending = settle(slot)!;
    if (result.ok) {
      pending.resolve(result);
    } else {
      pending.reject(new CardArtError(isErrorCode(result.code) ? result.code : 'PDF_INVALID', result.message));
    }
    dispatch();
    if (!slot.current) retireWhenIdle(slot);
  }

  /** Fails the slot's render (if any), terminates its worker and lets a fresh one take its place. */
  function replace(slot: Slot, error: CardArtError): void {
    const pending = slot.current;
    if (!discard(slot)) return;
    replaced++;
    pending?.reject(error);
    dispatch();
  }

  /** Takes the slot out of the pool and terminates its worker; false when it was already gone. */
  function discard(slot: Slot): boolean {
    const index = slots.indexOf(slot);
    if (index < 0) return false;
    slots.splice(index, 1);
    clearTimeout(slot.idleTimer);
    settle(slot);
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    void slot.worker.terminate();
    return true;
  }

  function submit(bytes: Buffer, size: PixelSize | undefined, jobTimeoutMs: number): Promise<Extract<PdfJobResult, { ok: true }>> {
    if (closed) return Promise.reject(new CardArtError('RENDER_POOL_CLOSED', 'PDF worker pool is closed'));
    if (queue.length >= maxQueue) {
      return Promise.reject(
        new CardArtError('RENDER_QUEUE_FULL', `${queue.length} PDF renders are already waiting`, { retryAfterSeconds: 1 }),
      );
    }
    return new Promise((resolve, reject) => {
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      queue.push({ job: { id: nextId++, bytes: copy, size, maxImagePixels }, timeoutMs: jobTimeoutMs, resolve, reject });
      dispatch();
    });
  }

  return {
    async render(bytes, size, renderOptions = {}) {
      const result = await submit(bytes, { width: size.width, height: size.height }, renderOptions.timeoutMs ?? timeoutMs);
      if (!result.pixels) throw new CardArtError('RENDER_WORKER_FAILED', 'PDF worker returned no pixels');
      return { data: Buffer.from(result.pixels), width: result.width, height: result.height };
    },
    async pageSize(bytes) {
      const result = await submit(bytes, undefined, timeoutMs);
      return { width: result.width, height: result.height };
    },
    stats() {
      return { workers: slots.length, busy: slots.filter((slot) => slot.current).length, queued: queue.length, replaced, retired };
    },
    async close() {
      closed = true;
      const error = new CardArtError('RENDER_POOL_CLOSED', 'PDF worker pool is closed');
      for (const pending of queue.splice(0)) pending.reject(error);
      await Promise.all(
        slots.splice(0).map((slot) => {
          clearTimeout(slot.idleTimer);
          settle(slot)?.reject(error);
          return slot.worker.terminate();
        }),
      );
    },
  };
}
