import { CardArtError } from '../errors.ts';

/**
 * Reads a response body into memory, refusing as soon as Content-Length or the streamed byte count passes
 * `maxBytes` (the rest is never downloaded).
 */
export async function readBoundedBody(response: Response, maxBytes: number, what: string): Promise<Buffer> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(what, maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(what, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(what: string, maxBytes: number): CardArtError {
  return new CardArtError('UPSTREAM_RESPONSE_TOO_LARGE', `${what}: upstream response exceeds ${maxBytes} bytes`);
}
