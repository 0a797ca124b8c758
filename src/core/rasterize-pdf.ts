import path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { AnnotationMode, getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFDocumentLoadingTask, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { CardArtError } from '../errors.ts';
import type { PixelSize, RasterImage } from './asset-media.ts';
import {
  DEFAULT_PDF_MAX_IMAGE_PIXELS,
  DEFAULT_PDF_MAX_OPERATORS,
  DEFAULT_PDF_RENDER_TIMEOUT_MS,
  MAX_PDF_PAGE_SIDE_PT,
  PDF_CANVAS_MAX_AREA_BYTES,
} from './pdf-limits.ts';
import { assertImagesFitLayer, preflightPdf, type PdfPreflight } from './pdf-preflight.ts';
import { processInkSwatchPdf } from './colour-self-check.ts';
import { createCanvasFilters, type CanvasFilters } from './pdfjs-canvas-filters.ts';
import { PDFJS_ROOT, pdfjsLocalFilesInstalled } from './pdfjs-local-files.ts';

export { DEFAULT_PDF_MAX_IMAGE_PIXELS, DEFAULT_PDF_RENDER_TIMEOUT_MS, MAX_PDF_PAGE_SIDE_PT };

/** pdf.js falls back to US Letter when page 1 has no usable MediaBox. */
const LETTER_VIEW = [0, 0, 612, 792];

/** Local data folders (file paths with a trailing slash, as pdf.js in Node wants); pdf.js never goes to the network. */
const PDFJS_DATA = {
  standardFontDataUrl: `${path.join(PDFJS_ROOT, 'standard_fonts')}${path.sep}`,
  cMapUrl: `${path.join(PDFJS_ROOT, 'cmaps')}${path.sep}`,
  wasmUrl: `${path.join(PDFJS_ROOT, 'wasm')}${path.sep}`,
  iccUrl: `${path.join(PDFJS_ROOT, 'iccs')}${path.sep}`,
};

export interface PdfRenderOptions {
  /** Time limit for opening and drawing page 1; default DEFAULT_PDF_RENDER_TIMEOUT_MS. 0 = none (the rasterizer process enforces its own). */
  timeoutMs?: number;
  /** Backstop bound on every embedded image pdf.js decodes (the preflight already checked declared images against the layer). */
  maxImagePixels?: number;
  /** Drawing operators page 1 may produce; more is refused with PDF_TOO_COMPLEX. */
  maxOperators?: number;
}

/** A parsed PDF with page 1 loaded: its size is known and it can be drawn at several sizes without parsing again. */
export interface OpenPdf {
  /** Page 1's view size in points (after CropBox and /Rotate, as pdf.js shows it). */
  readonly pageSize: PixelSize;
  /** What the preflight found (declared images, inflated bytes). */
  readonly preflight: PdfPreflight;
  /** Draws page 1 at exactly `size`; straight RGBA out. Refuses (PDF_TOO_COMPLEX) images larger than the layer needs. */
  render(size: PixelSize): Promise<RasterImage>;
  close(): Promise<void>;
}

/** Page 1's view size in points (after CropBox and /Rotate, as pdf.js shows it). */
export async function readPdfPageSize(bytes: Buffer, options: PdfRenderOptions = {}): Promise<PixelSize> {
  return withDeadline(options, 'PDF could not be opened in time', async () => {
    const pdf = await openPdf(bytes, options);
    await pdf.close();
    return pdf.pageSize;
  });
}

/**
 * Renders page 1 directly at exactly `size` pixels (x and y scaled independently) on a transparent page.
 * Returns straight RGBA: canvas getImageData un-premultiplies the surface.
 */
export async function rasterizePdf(bytes: Buffer, size: PixelSize, options: PdfRenderOptions = {}): Promise<RasterImage> {
  let opened: OpenPdf | undefined;
  try {
    return await withDeadline(options, 'PDF render exceeded its time limit', async (onCancel) => {
      opened = await openPdf(bytes, options);
      onCancel(() => void opened?.close());
      return opened.render(size);
    });
  } finally {
    await opened?.close();
  }
}

/** Runs `work` under options.timeoutMs (0 = no limit), cancelling what it registered when the time is up. */
async function withDeadline<T>(
  options: PdfRenderOptions,
  _what: string,
  work: (onCancel: (cancel: () => void) => void) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PDF_RENDER_TIMEOUT_MS;
  const cancels: Array<() => void> = [];
  const running = work((cancel) => cancels.push(cancel));
  if (timeoutMs <= 0) return running;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const cancel of cancels) cancel();
      reject(new CardArtError('PDF_TOO_COMPLEX', `PDF render exceeded ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
    running.catch(() => {});
  }
}

/**
 * Draws a tiny DeviceCMYK swatch, so that pdf.js loads now what it loads once per process and keeps: itself, and with
 * colour management qcms (its WASM) and the transform of its CMYK profile (together ~0.4 s), rather than in a render.
 */
export async function warmUpPdfjs(): Promise<void> {
  const pdf = await openPdf(processInkSwatchPdf(), { timeoutMs: 0 });
  try {
    await pdf.render({ width: 4, height: 1 });
  } finally {
    await pdf.close();
  }
}

/**
 * Preflights the bytes (declared images, inflated stream sizes), opens the document with pdf.js, checks page 1
 * and keeps it loaded. The caller must close() it.
 */
export async function openPdf(bytes: Buffer, options: PdfRenderOptions = {}): Promise<OpenPdf> {
  const preflight = await preflightPdf(bytes);
  const maxOperators = options.maxOperators ?? DEFAULT_PDF_MAX_OPERATORS;
  // Soft masks and transfer functions as a browser draws them (pdf.js's own Node factory draws no filter).
  const canvasFilters = createCanvasFilters();
  const loadingTask: PDFDocumentLoadingTask = getDocument({
    // A copy: pdf.js transfers (detaches) the buffer it is given, and the caller's bytes live on in caches.
    data: new Uint8Array(bytes),
    ...PDFJS_DATA,
    cMapPacked: true,
    // pdf.js manages colour (qcms + its CMYK profile) only when its worker side loads its own data files; in Node
    // that needs the file-only loaders of pdfjs-local-files.ts, installed in the rasterizer process.
    useWorkerFetch: pdfjsLocalFilesInstalled(),
    // pdf.js 5 no longer evaluates code at all; kept false should an older copy ever be resolved.
    isEvalSupported: false,
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    maxImageSize: Math.min(options.maxImagePixels ?? DEFAULT_PDF_MAX_IMAGE_PIXELS, DEFAULT_PDF_MAX_IMAGE_PIXELS),
    // Bounds the canvases pdf.js makes for images, patterns and groups besides the page canvas.
    canvasMaxAreaInBytes: PDF_CANVAS_MAX_AREA_BYTES,
    verbosity: VerbosityLevel.ERRORS,
    CanvasFactory: canvasFilters.CanvasFactory,
    FilterFactory: canvasFilters.FilterFactory,
  } as Parameters<typeof getDocument>[0]);
  let page: PDFPageProxy;
  try {
    const document = await loadingTask.promise;
    if (document.numPages < 1) throw new CardArtError('PDF_INVALID', 'PDF has no pages');
    // Card art never needs scripts; pdf.js would not run them, but a PDF that carries them is not art.
    if (await document.getJSActions().catch(() => null)) {
      throw new CardArtError('PDF_UNSAFE', 'PDF carries JavaScript actions; card art must not');
    }
    // Page count 1: only page 1 is ever loaded or drawn, whatever the document holds.
    page = await document.getPage(1);
    assertUsablePageSize(page, bytes);
  } catch (error) {
    await loadingTask.destroy().catch(() => {});
    throw asPdfError(error, 'PDF could not be opened');
  }
  const view = page.getViewport({ scale: 1 });
  let closed = false;
  return {
    pageSize: { width: view.width, height: view.height },
    preflight,
    async render(size) {
      assertImagesFitLayer(preflight, size);
      try {
        return await drawPage(page, size, maxOperators, canvasFilters);
      } catch (error) {
        throw asPdfError(error, 'PDF page 1 could not be rendered');
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      page.cleanup();
      await loadingTask.destroy().catch(() => {});
    },
  };
}

async function drawPage(page: PDFPageProxy, size: PixelSize, maxOperators: number, canvasFilters: CanvasFilters): Promise<RasterImage> {
  const base = page.getViewport({ scale: 1 });
  const scaleX = size.width / base.width;
  const scaleY = size.height / base.height;
  const canvas = createCanvas(size.width, size.height);
  const context = canvas.getContext('2d');
  canvasFilters.enable(context);
  const task = page.render({
    canvas: canvas as unknown as HTMLCanvasElement,
    canvasContext: context as unknown as CanvasRenderingContext2D,
    viewport: page.getViewport({ scale: scaleX }),
    transform: scaleY === scaleX ? undefined : [1, 0, 0, scaleY / scaleX, 0, 0],
    background: 'rgba(0,0,0,0)',
    annotationMode: AnnotationMode.ENABLE,
  });
  // Yield to the event loop between drawing slices (pdf.js would chain microtasks), so time limits can fire.
  task.onContinue = (next: () => void) => setImmediate(next);
  let overLimit = false;
  const restore = capOperators(page, maxOperators, () => {
    overLimit = true;
    task.cancel();
  });
  try {
    await task.promise;
  } catch (error) {
    if (overLimit) throw new CardArtError('PDF_TOO_COMPLEX', `PDF page 1 has more than ${maxOperators} drawing operators`);
    throw error;
  } finally {
    restore();
  }
  const pixels = context.getImageData(0, 0, size.width, size.height).data;
  return { data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), width: size.width, height: size.height };
}

/**
 * Counts the operators pdf.js streams to the page (its display side keeps every one of them in memory) and calls
 * `exceeded` once past `max`, dropping the rest. pdf.js has no option for this; if its internals ever change the
 * hook is simply absent and the process memory and time limits still hold.
 */
function capOperators(page: PDFPageProxy, max: number, exceeded: () => void): () => void {
  const target = page as unknown as { _renderPageChunk?: (chunk: { length: number }, state: unknown) => void };
  const original = target._renderPageChunk;
  if (typeof original !== 'function') return () => {};
  let count = 0;
  let tripped = false;
  target._renderPageChunk = function (this: unknown, chunk, state) {
    count += chunk.length;
    if (count > max) {
      if (!tripped) exceeded();
      tripped = true;
      return;
    }
    return original.call(this, chunk, state);
  };
  return () => {
    target._renderPageChunk = original;
  };
}

function assertUsablePageSize(page: PDFPageProxy, bytes: Buffer): void {
  const { width, height } = page.getViewport({ scale: 1 });
  const valid = Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0;
  if (!valid || width > MAX_PDF_PAGE_SIDE_PT || height > MAX_PDF_PAGE_SIDE_PT) {
    throw new CardArtError('PDF_PAGE_SIZE_INVALID', `PDF page 1 is ${width}x${height} pt; each side must be 0 < side <= ${MAX_PDF_PAGE_SIDE_PT}`);
  }
  if (page.view.every((value, index) => value === LETTER_VIEW[index]) && hasDegenerateMediaBox(bytes)) {
    throw new CardArtError('PDF_PAGE_SIZE_INVALID', 'PDF page 1 has an empty or malformed MediaBox');
  }
}

/**
 * pdf.js silently substitutes US Letter for a zero, NaN or malformed MediaBox; this finds such a box in the
 * (uncompressed) page dictionaries so that case is refused instead of rendered at a made-up size.
 */
function hasDegenerateMediaBox(bytes: Buffer): boolean {
  const text = bytes.toString('latin1');
  for (const match of text.matchAll(/\/MediaBox\s*\[([^\]]{0,200})\]/g)) {
    const values = match[1]!.trim().split(/\s+/).map(Number);
    if (values.length !== 4 || values.some((value) => !Number.isFinite(value))) return true;
    const [x0, y0, x1, y1] = values as [number, number, number, number];
    if (x1 - x0 === 0 || y1 - y0 === 0) return true;
  }
  return false;
}

function asPdfError(error: unknown, message: string): CardArtError {
  if (error instanceof CardArtError) return error;
  const name = (error as { name?: string } | undefined)?.name;
  const detail = (error as Error | undefined)?.message ?? String(error);
  if (name === 'PasswordException') {
    return new CardArtError('PDF_ENCRYPTED', 'PDF is encrypted and needs a password', { cause: error });
  }
  return new CardArtError('PDF_INVALID', `${message}: ${detail}`, { cause: error });
}
