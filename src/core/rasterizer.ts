import { CardArtError } from '../errors.ts';
import type { AssetMedia, PixelSize, RasterImage, Rasterizer } from './asset-media.ts';
import { DEFAULT_PDF_MAX_IMAGE_PIXELS, DEFAULT_PDF_RENDER_TIMEOUT_MS } from './pdf-limits.ts';
import { createRasterizerProcessPool, type RasterizerExitEvent, type RasterizerProcessPool, type RasterizerProcessStats } from './rasterizer-process.ts';
import { DEFAULT_MAX_INPUT_PIXELS, rasterizePng } from './rasterize-png.ts';
import { rasterizeSvg } from './rasterize-svg.ts';

/** 16 MP (e.g. 4096x4096, 64 MB of RGBA): several times the largest cover-scaled card background. */
export const DEFAULT_MAX_OUTPUT_PIXELS = 16_777_216;
/** One rasterizer process unless told otherwise (the CLI, tools); the service passes RASTERIZER_PROCESSES. */
export const DEFAULT_RASTERIZER_PROCESSES = 1;

/**
 * Who asks for rasterizer work, told by the service per request: jobs take turns by client in the rasterizer
 * processes, and a caller holding something others wait for (a render slot) can give it up while its job waits.
 */
export interface RasterizerCaller {
  /** The client the current work is for; undefined for background work (which takes turns as one client). */
  client(): string | undefined;
  /** Runs `job` (queued for and drawn in a rasterizer process), letting the caller give up what it holds meanwhile. */
  whileWaiting<T>(job: () => Promise<T>): Promise<T>;
}

export interface RasterizerOptions {
  pdfRenderTimeoutMs?: number;
  maxInputPixels?: number;
  /** Rasterizer child processes for PDF and SVG; 0 renders them in this process (CLI, tests of the pure path). */
  processes?: number;
  /** Whose jobs these are (absent: all jobs take turns as one client). */
  caller?: RasterizerCaller;
  /** Bound on the requested output size (width x height). */
  maxOutputPixels?: number;
  /** Renders waiting for a rasterizer process before 503 RENDER_QUEUE_FULL. */
  pdfQueueLength?: number;
  /** Address-space limit (RLIMIT_AS) of each rasterizer process, MB. */
  addressSpaceMb?: number;
  /** Start the rasterizer processes now and restart each as soon as it dies. */
  warm?: boolean;
  onProcessExit?: (event: RasterizerExitEvent) => void;
}

export interface ServiceRasterizer extends Rasterizer {
  /** Page 1's size in points, read where PDFs are rendered (the rasterizer process when there is one). */
  readPdfPageSize(bytes: Buffer): Promise<PixelSize>;
  /** The rasterizer processes (undefined when rendering in process). */
  processStats(): RasterizerProcessStats | undefined;
  /** False while no rasterizer process can be started (what /readyz reports as the renderer being down). */
  alive(): boolean;
  close(): Promise<void>;
}

/** pdf.js is loaded only where PDFs are rendered: with rasterizer processes, never in this one. */
const loadInProcessPdf = () => import('./rasterize-pdf.ts');

/** Rasterizes PNG (sharp), SVG (sharp/librsvg at the target density) and PDF (pdf.js) to exact sizes; PDF and SVG in rasterizer processes. */
export function createRasterizer(options: RasterizerOptions = {}): ServiceRasterizer {
  const timeoutMs = options.pdfRenderTimeoutMs ?? DEFAULT_PDF_RENDER_TIMEOUT_MS;
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const maxOutputPixels = options.maxOutputPixels ?? DEFAULT_MAX_OUTPUT_PIXELS;
  const processes = options.processes ?? DEFAULT_RASTERIZER_PROCESSES;
  const caller = options.caller;
  const pool: RasterizerProcessPool | undefined =
    processes > 0
      ? createRasterizerProcessPool({
          size: processes,
          renderTimeoutMs: timeoutMs,
          maxQueue: options.pdfQueueLength,
          addressSpaceMb: options.addressSpaceMb,
          warm: options.warm,
          onProcessExit: options.onProcessExit,
        })
      : undefined;
  const inProcessPdf = { timeoutMs, maxImagePixels: Math.min(maxInputPixels, DEFAULT_PDF_MAX_IMAGE_PIXELS) };
  /** A job for the rasterizer processes, on behalf of the current caller. */
  const inRasterizerProcess = <T>(job: (options: { client?: string }) => Promise<T>): Promise<T> => {
    const client = caller?.client();
    return caller ? caller.whileWaiting(() => job({ client })) : job({});
  };

  return {
    async rasterize(media: AssetMedia, size: PixelSize): Promise<RasterImage> {
      assertOutputSize(size, maxOutputPixels);
      switch (media.kind) {
        case 'png':
          return rasterizePng(media.bytes, size, maxInputPixels);
        case 'svg':
          return pool
            ? inRasterizerProcess((job) => pool.renderSvg(media.bytes, size, { width: media.width, height: media.height }, job))
            : rasterizeSvg(media.bytes, size, { width: media.width, height: media.height });
        case 'pdf':
          return pool
            ? inRasterizerProcess((job) => pool.renderPdf(media.bytes, size, job))
            : (await loadInProcessPdf()).rasterizePdf(media.bytes, size, inProcessPdf);
        default:
          throw new CardArtError('ASSET_FORMAT_UNSUPPORTED', `cannot rasterize media of kind ${String(media.kind)}`);
      }
    },
    async readPdfPageSize(bytes: Buffer): Promise<PixelSize> {
      return pool ? inRasterizerProcess((job) => pool.pdfPageSize(bytes, job)) : (await loadInProcessPdf()).readPdfPageSize(bytes, inProcessPdf);
    },
    processStats: () => pool?.stats(),
    alive: () => !pool?.stats().cannotStart,
    async close() {
      await pool?.close();
    },
  };
}

function assertOutputSize(size: PixelSize, maxOutputPixels: number): void {
  const { width, height } = size;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height > maxOutputPixels) {
    throw new CardArtError('RENDER_SIZE_INVALID', `cannot render at ${width}x${height}; sides must be positive integers, at most ${maxOutputPixels} pixels in all`);
  }
}
