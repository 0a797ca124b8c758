/**
 * The fidelity oracle: pdf.js (the pdfjs-dist copy in node_modules, the same legacy build the rasterizer runs)
 * drawing page 1 in Debian's headless Chromium (`/usr/bin/chromium`, driven by playwright-core; no browser is
 * downloaded). pdf.js there has a browser canvas with SVG filters and its own synchronous XMLHttpRequest, so it
 * draws soft masks and manages colour as it does for every browser user; only Node-specific gaps differ from it.
 *
 * The page's origin is served by request interception (no port, no network): `https://pdfjs.invalid/` maps to the
 * pdfjs-dist folder, everything else is refused. Each render uses the service's getDocument options and the same
 * pixel size, viewport and y-stretch as src/core/rasterize-pdf.ts, on a transparent canvas.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { PixelSize, RasterImage } from '../../src/core/asset-media.ts';

const CHROMIUM = '/usr/bin/chromium';
const ORIGIN = 'https://pdfjs.invalid';
const PDFJS_ROOT = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
const CONTENT_TYPES: Record<string, string> = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
};

/** Runs in the page: loads pdf.js and exposes one render function. */
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import * as pdfjs from '/legacy/build/pdf.mjs';
pdfjs.GlobalWorkerOptions.workerSrc = '/legacy/build/pdf.worker.mjs';
window.renderPage1 = async (base64, width, height) => {
  const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const task = pdfjs.getDocument({
    data,
    standardFontDataUrl: '/standard_fonts/', cMapUrl: '/cmaps/', cMapPacked: true, wasmUrl: '/wasm/', iccUrl: '/iccs/',
    isEvalSupported: false, enableXfa: false, disableFontFace: true, useSystemFonts: false, stopAtErrors: false,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  });
  try {
    const doc = await task.promise;
    const page = await doc.getPage(1);
    const base = page.getViewport({ scale: 1 });
    const scaleX = width / base.width;
    const scaleY = height / base.height;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    await page.render({
      canvas, canvasContext: context,
      viewport: page.getViewport({ scale: scaleX }),
      transform: scaleY === scaleX ? undefined : [1, 0, 0, scaleY / scaleX, 0, 0],
      background: 'rgba(0,0,0,0)',
      annotationMode: pdfjs.AnnotationMode.ENABLE,
    }).promise;
    const pixels = context.getImageData(0, 0, width, height).data;
    let binary = '';
    for (let i = 0; i < pixels.length; i += 0x8000) binary += String.fromCharCode(...pixels.subarray(i, i + 0x8000));
    return btoa(binary);
  } finally {
    await task.destroy();
  }
};
window.pdfjsReady = true;
</script>`;

export interface PdfjsChromium {
  /** Page 1 drawn at exactly `size`, straight RGBA (as canvas getImageData gives it). */
  render(bytes: Buffer, size: PixelSize): Promise<RasterImage>;
  close(): Promise<void>;
}

/** One browser and one page for every render of a test file (a launch costs about a second). */
export async function launchPdfjsChromium(): Promise<PdfjsChromium> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const context = await browser.newContext();
    // Requests from the page and from pdf.js's worker: files of pdfjs-dist, nothing else.
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort('blockedbyclient');
      if (url.pathname === '/') return route.fulfill({ status: 200, contentType: 'text/html', body: PAGE });
      const file = path.join(PDFJS_ROOT, decodeURIComponent(url.pathname));
      if (!file.startsWith(`${PDFJS_ROOT}${path.sep}`)) return route.fulfill({ status: 404, body: '' });
      const body = await readFile(file).catch(() => undefined);
      if (!body) return route.fulfill({ status: 404, body: '' });
      return route.fulfill({ status: 200, contentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', body });
    });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => (window as unknown as { pdfjsReady?: boolean }).pdfjsReady === true, undefined, { timeout: 20_000 }).catch(() => {
      throw new Error(`pdf.js did not load in Chromium: ${problems.join('; ')}`);
    });
    return {
      async render(bytes, size) {
        const base64 = await page.evaluate(
          ([data, width, height]) => (window as unknown as { renderPage1(d: string, w: number, h: number): Promise<string> }).renderPage1(data, width, height),
          [bytes.toString('base64'), size.width, size.height] as const,
        );
        return { data: Buffer.from(base64, 'base64'), width: size.width, height: size.height };
      },
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
