/**
 * The one place where pdf.js is given file access in Node, so that its colour management runs.
 *
 * pdf.js loads its colour management — the qcms WASM (`wasm/qcms_bg.wasm`) and the CMYK profile
 * (`iccs/CGATS001Compat-v2-micro.icc`) — with a synchronous `XMLHttpRequest`, and only when `useWorkerFetch` is on
 * (pdfjs-dist 5.7.284, `IccColorSpace.isUsable` and `CmykICCBasedCS` in `pdf.worker.mjs`); with `useWorkerFetch` on
 * it also loads standard fonts, CMaps and the JPX / JBIG2 WASM with `fetch()`. Node has no `XMLHttpRequest`, and
 * its `fetch()` reads no files, so pdf.js silently falls back: DeviceCMYK by a polynomial, ICCBased as its
 * alternate space.
 *
 * `installPdfjsLocalFiles()` gives the process both, limited to the pdfjs-dist folder: a synchronous, GET-only,
 * `arraybuffer`-only `XMLHttpRequest` and a `fetch()` that read files inside that folder and refuse everything else
 * (other files, other folders, any URL with a scheme: no network). It is installed by the rasterizer process
 * (rasterizer-child.ts) only; rasterize-pdf.ts turns `useWorkerFetch` on where it is installed.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The pdfjs-dist package folder: its data files are all pdf.js may read. */
export const PDFJS_ROOT = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
/** The largest pdf.js data file is ~450 KB (a WASM fallback); nothing in the folder pdf.js asks for is larger. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

let installed = false;

/** True once installPdfjsLocalFiles() ran in this process (pdf.js may then use `useWorkerFetch`). */
export function pdfjsLocalFilesInstalled(): boolean {
  return installed;
}

/**
 * The absolute path of a pdf.js data file, or an error: only plain paths (no scheme) that resolve inside the
 * pdfjs-dist folder and name a regular file there.
 */
export function pdfjsDataFile(url: string): string {
  if (typeof url !== 'string' || !path.isAbsolute(url) || url.includes('\0')) {
    throw new TypeError('pdf.js may only read its own data files in the rasterizer process');
  }
  const file = path.resolve(url);
  if (!file.startsWith(`${PDFJS_ROOT}${path.sep}`)) {
    throw new TypeError('pdf.js may only read files inside the pdfjs-dist folder');
  }
  return file;
}

function checkSize(bytes: Buffer, file: string): Buffer {
  if (bytes.length > MAX_FILE_BYTES) throw new TypeError(`${path.basename(file)} is larger than ${MAX_FILE_BYTES} bytes`);
  return bytes;
}

/** What pdf.js's fetchSync() uses of XMLHttpRequest: open('GET', url, false), responseType 'arraybuffer', send(), response. */
class LocalFileXMLHttpRequest {
  static readonly UNSENT = 0;
  static readonly OPENED = 1;
  static readonly DONE = 4;
  readonly UNSENT = 0;
  readonly OPENED = 1;
  readonly DONE = 4;
  readyState = 0;
  status = 0;
  responseType = '';
  response: ArrayBuffer | null = null;
  #file: string | undefined;

  open(method: string, url: string | URL, async = true): void {
    if (String(method).toUpperCase() !== 'GET' || async !== false) {
      throw new TypeError('only synchronous GET requests of pdf.js data files are supported here');
    }
    this.#file = pdfjsDataFile(String(url));
    this.readyState = LocalFileXMLHttpRequest.OPENED;
  }

  send(): void {
    if (this.#file === undefined) throw new TypeError('send() before open()');
    if (this.responseType !== 'arraybuffer') throw new TypeError('only arraybuffer responses are supported here');
    try {
      const bytes = checkSize(readFileSync(this.#file), this.#file);
      this.response = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      this.status = 200;
    } catch {
      this.response = null;
      this.status = 404;
    }
    this.readyState = LocalFileXMLHttpRequest.DONE;
  }

  abort(): void {}
  setRequestHeader(): void {}
  overrideMimeType(): void {}
}

/** What pdf.js's fetchBinaryData() uses of fetch: fetch(url) → { ok, status, statusText, bytes() }. */
async function localFileFetch(input: string | URL | Request): Promise<Response> {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const file = pdfjsDataFile(url);
  try {
    const bytes = checkSize(await readFile(file), file);
    return new Response(new Uint8Array(bytes), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
  } catch {
    return new Response(null, { status: 404, statusText: 'Not Found' });
  }
}

/**
 * Gives pdf.js in this process a file-only XMLHttpRequest and fetch() for its own data files (see above). Meant for
 * the rasterizer process: it replaces the process's fetch(), which that process never needs for anything else.
 */
export function installPdfjsLocalFiles(): void {
  if (installed) return;
  Object.defineProperty(globalThis, 'XMLHttpRequest', { value: LocalFileXMLHttpRequest, configurable: true, writable: true });
  Object.defineProperty(globalThis, 'fetch', { value: localFileFetch, configurable: true, writable: true });
  installed = true;
}
