import { CardArtError } from '../errors.ts';
import type { AssetMedia, PixelSize, RasterImage, Rasterizer } from './asset-media.ts';
import { DEFAULT_PDF_RENDER_TIMEOUT_MS } from './pdf-limits.ts';
import { createPdfWorkerPool } from './pdf-worker-pool.ts';
import type { PdfWorkerPool } from './pdf-worker-pool.ts';
import { DEFAULT_MAX_INPUT_PIXELS, rasterizePng } from './rasterize-png.ts';
import { rasterizeSvg } from './rasterize-svg.ts';

/** 16 MP (e.g. 4096x4096, 64 MB of RGBA): several times the largest cover-scaled card background. */
export const DEFAULT_MAX_OUTPUT_PIXELS = 16_777_216;
/**
 * One PDF worker: each holds ~50 MB (pdf.js, its heap, canvas), PDFs are a minority of assets, and a rasterized
 * layer is cached after its first render; the other core stays free for sharp and HTTP.
 */
export const DEFAULT_PDF_WORKERS = 1;

export interface RasterizerOptions {
  pdfRenderTimeoutMs?: number;
  maxInputPixels?: number;
  /** Worker threads for PDF rendering; 0 renders PDFs on the calling thread. */
  pdfWorkers?: number;
  /** Bound on the requested output size (width x height). */
  maxOutputPixels?: number;
  /** PDF renders waiting for a worker before 503 RENDER_QUEUE_FULL. */
  pdfQueueLength?: number;
  /** Idle PDF workers are terminated after this long (see DEFAULT_PDF_WORKER_IDLE_MS). */
  pdfWorkerIdleMs?: number;
}

export interface ServiceRasterizer extends Rasterizer {
  /** Page 1's size in points, read where PDFs are rendered (a worker when there are workers). */
  readPdfPageSize(bytes: Buffer): Promise<PixelSize>;
  close(): Promise<void>;
}

/** pdf.js is loaded only on the thread that renders: with workers, never on the calling thread. */
const loadInProcessPdf = () => import('./rasterize-pdf.ts');

/** Rasterizes PNG (sharp), SVG (sharp/librsvg at the target density) and PDF (pdf.js, in a worker pool) to exact sizes. */
export function createRasterizer(options: RasterizerOptions = {}): ServiceRasterizer {
  const timeoutMs = options.pdfRenderTimeoutMs ?? DEFAULT_PDF_RENDER_TIMEOUT_MS;
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const maxOutputPixels = options.maxOutputPixels ?? DEFAULT_MAX_OUTPUT_PIXELS;
  const workers = options.pdfWorkers ?? DEFAULT_PDF_WORKERS;
  const pool: PdfWorkerPool | undefined =
    workers > 0
      ? createPdfWorkerPool({
          size: workers,
          renderTimeoutMs: timeoutMs,
          maxImagePixels: maxInputPixels,
          maxQueue: options.pdfQueueLength,
          idleTimeoutMs: options.pdfWorkerIdleMs,
        })
      : undefined;

  return {
    async rasterize(media: AssetMedia, size: PixelSize): Promise<RasterImage> {
      assertOutputSize(size, maxOutputPixels);
      switch (media.kind) {
        case 'png':
          return rasterizePng(media.bytes, size, maxInputPixels);
        case 'svg':
          return rasterizeSvg(media.bytes, size, { width: media.width, height: media.height });
        case 'pdf':
          return pool
            ? pool.render(media.bytes, size)
            : (await loadInProcessPdf()).rasterizePdf(media.bytes, size, { timeoutMs, maxImagePixels: maxInputPixels });
        default:
          throw new CardArtError('ASSET_FORMAT_UNSUPPORTED', `cannot rasterize media of kind ${String(media.kind)}`);
      }
    },
    async readPdfPageSize(bytes: Buffer): Promise<PixelSize> {
      return pool
        ? pool.pageSize(bytes)
        : (await loadInProcessPdf()).readPdfPageSize(bytes, { timeoutMs, maxImagePixels: maxInputPixels });
    },
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
