/** worker_threads entry of the PDF worker pool: per message, renders page 1 (pixels transferred back) or reads its size. */
import { parentPort } from 'node:worker_threads';
import { CardArtError } from '../errors.ts';
import { rasterizePdf, readPdfPageSize } from './rasterize-pdf.ts';
import type { PdfJob, PdfJobResult } from './pdf-worker-pool.ts';

if (!parentPort) throw new Error('pdf-render-worker must run in a worker thread');
const port = parentPort;

port.on('message', async (job: PdfJob) => {
  let result: PdfJobResult;
  const transfer: ArrayBuffer[] = [];
  try {
    // The pool enforces the time limit (it terminates this thread), so no timer here.
    const options = { timeoutMs: 0, maxImagePixels: job.maxImagePixels };
    // A view, not a copy: the bytes were transferred to this thread and rasterize-pdf copies what pdf.js takes.
    const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    if (job.size) {
      const image = await rasterizePdf(bytes, job.size, options);
      const pixels = ownedArrayBuffer(image.data);
      transfer.push(pixels);
      result = { id: job.id, ok: true, pixels, width: image.width, height: image.height };
    } else {
      const pageSize = await readPdfPageSize(bytes, options);
      result = { id: job.id, ok: true, width: pageSize.width, height: pageSize.height };
    }
  } catch (error) {
    const known = error instanceof CardArtError;
    result = {
      id: job.id,
      ok: false,
      code: known ? error.code : 'PDF_INVALID',
      message: (error as Error)?.message ?? String(error),
    };
  }
  port.postMessage(result, transfer);
});

/**
 * Canvas pixels live in native memory that postMessage cannot transfer: one copy into a JS-owned buffer here,
 * which then moves to the main thread without another copy.
 */
function ownedArrayBuffer(data: Buffer): ArrayBuffer {
  const owned = new Uint8Array(data.byteLength);
  owned.set(data);
  return owned.buffer;
}
