import { createRequire } from 'node:module';
import path from 'node:path';
import { createCanvas } from '@napi-rs/canvas';
import { AnnotationMode, getDocument, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFDocumentLoadingTask, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { CardArtError } from '../errors.ts';
import type { PixelSize, RasterImage } from './asset-media.ts';
import { DEFAULT_PDF_MAX_IMAGE_PIXELS, DEFAULT_PDF_RENDER_TIMEOUT_MS, MAX_PDF_PAGE_SIDE_PT } from './pdf-limits.ts';

export { DEFAULT_PDF_MAX_IMAGE_PIXELS, DEFAULT_PDF_RENDER_TIMEOUT_MS, MAX_PDF_PAGE_SIDE_PT };

/** pdf.js falls back to US Letter when page 1 has no usable MediaBox. */
const LETTER_VIEW = [0, 0, 612, 792];

const pdfjsRoot = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
/** Local data folders (file paths with a trailing slash, as pdf.js in Node wants); pdf.js never goes to the network. */
const PDFJS_DATA = {
  standardFontDataUrl: `${path.join(pdfjsRoot, 'standard_fonts')}${path.sep}`,
  cMapUrl: `${path.join(pdfjsRoot, 'cmaps')}${path.sep}`,
  wasmUrl: `${path.join(pdfjsRoot, 'wasm')}${path.sep}`,
  iccUrl: `${path.join(pdfjsRoot, 'iccs')}${path.sep}`,
};

export interface PdfRenderOptions {
  /** Time limit for opening and drawing page 1; default DEFAULT_PDF_RENDER_TIMEOUT_MS. 0 = none (the worker pool enforces its own). */
  timeoutMs?: number;
  /** Bound on every embedded image pdf.js decodes. */
  maxImagePixels?: number;
}

/** Page 1's view size in points (after CropBox and /Rotate, as pdf.js shows it). */
export async function readPdfPageSize(bytes: Buffer, options: PdfRenderOptions = {}): Promise<PixelSize> {
  return withOpenPage(bytes, options, async (page) => {
    const viewport = page.getViewport({ scale: 1 });
    return { width: viewport.width, height: viewport.height };
  });
}

/**
 * Renders page 1 directly at exactly `size` pixels (x and y scaled independently) on a transparent page.
 * Returns straight RGBA: canvas getImageData un-premultiplies the surface.
 */
export async function rasterizePdf(bytes: Buffer, size: PixelSize, options: PdfRenderOptions = {}): Promise<RasterImage> {
  return withOpenPage(bytes, options, async (page, onCancel) => {
    const base = page.getViewport({ scale: 1 });
    const scaleX = size.width / base.width;
    const scaleY = size.height / base.height;
    const canvas = createCanvas(size.width, size.height);
    const context = canvas.getContext('2d');
    const task = page.render({
      canvas: canvas as unknown as HTMLCanvasElement,
      canvasContext: context as unknown as CanvasRenderingContext2D,
      viewport: page.getViewport({ scale: scaleX }),
      transform: scaleY === scaleX ? undefined : [1, 0, 0, scaleY / scaleX, 0, 0],
      background: 'rgba(0,0,0,0)',
      annotationMode: AnnotationMode.ENABLE,
    });
    // Yield to the event loop between drawing slices (pdf.js would chain microtasks), so the time limit can fire.
    task.onContinue = (next: () => void) => setImmediate(next);
    onCancel(() => task.cancel());
    await task.promise;
    const pixels = context.getImageData(0, 0, size.width, size.height).data;
    return { data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), width: size.width, height: size.height };
  });
}

/** Opens the document, checks page 1's size, runs `use` under the time limit, and always destroys the document. */
async function withOpenPage<T>(
  bytes: Buffer,
  options: PdfRenderOptions,
  use: (page: PDFPageProxy, onCancel: (cancel: () => void) => void) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PDF_RENDER_TIMEOUT_MS;
  const loadingTask: PDFDocumentLoadingTask = getDocument({
    // A copy: pdf.js transfers (detaches) the buffer it is given, and the caller's bytes live on in caches.
    data: new Uint8Array(bytes),
    ...PDFJS_DATA,
    cMapPacked: true,
    // pdf.js 5 no longer evaluates code at all; kept false should an older copy ever be resolved.
    isEvalSupported: false,
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    maxImageSize: options.maxImagePixels ?? DEFAULT_PDF_MAX_IMAGE_PIXELS,
    verbosity: VerbosityLevel.ERRORS,
  } as Parameters<typeof getDocument>[0]);
  const cancels: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    let page: PDFPageProxy;
    try {
      const document = await loadingTask.promise;
      // Card art never needs scripts; pdf.js would not run them, but a PDF that carries them is not art.
      if (await document.getJSActions().catch(() => null)) {
        throw new CardArtError('PDF_UNSAFE', 'PDF carries JavaScript actions; card art must not');
      }
      page = await document.getPage(1);
    } catch (error) {
      throw asPdfError(error, 'PDF could not be opened');
    }
    assertUsablePageSize(page, bytes);
    try {
      return await use(page, (cancel) => cancels.push(cancel));
    } catch (error) {
      throw asPdfError(error, 'PDF page 1 could not be rendered');
    } finally {
      page.cleanup();
    }
  })();
  const deadline =
    timeoutMs > 0
      ? new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            for (const cancel of cancels) cancel();
            reject(new CardArtError('PDF_TOO_COMPLEX', `PDF render exceeded ${timeoutMs} ms`));
          }, timeoutMs);
        })
      : undefined;
  try {
    return deadline ? await Promise.race([work, deadline]) : await work;
  } finally {
    clearTimeout(timer);
    work.catch(() => {});
    await loadingTask.destroy().catch(() => {});
  }
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
