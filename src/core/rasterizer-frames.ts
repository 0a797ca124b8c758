/**
 * The wire format between the service and its rasterizer process: [u32 header bytes][u32 payload bytes]
 * [header JSON][payload]. Asset bytes and pixels travel as raw payloads (no JSON, no structured clone), and the
 * reader copies each payload once, into a buffer of exactly its size.
 */
const PREFIX_BYTES = 8;
/** A header is a few hundred bytes of JSON. */
const MAX_HEADER_BYTES = 64 * 1024;

export type FrameHeader = Record<string, unknown>;

/** The chunks to write for one frame (the payload is not copied). */
export function encodeFrame(header: FrameHeader, payload?: Uint8Array): Buffer[] {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  prefix.writeUInt32LE(json.length, 0);
  prefix.writeUInt32LE(payload?.byteLength ?? 0, 4);
  const chunks: Buffer[] = [prefix, json];
  if (payload && payload.byteLength > 0) chunks.push(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  return chunks;
}

/** Feeds stream chunks in, calls `onFrame` per complete frame; throws on a frame over the bounds (a broken peer). */
export function createFrameReader(maxPayloadBytes: number, onFrame: (header: FrameHeader, payload: Buffer) => void) {
  const empty = Buffer.alloc(0);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let header: FrameHeader | undefined;
  let payload: Buffer | undefined;
  let filled = 0;

  return function push(chunk: Buffer): void {
    let data = chunk;
    for (;;) {
      if (payload) {
        const count = Math.min(payload.length - filled, data.length);
        data.copy(payload, filled, 0, count);
        filled += count;
        data = data.subarray(count);
        if (filled < payload.length) return;
        const done = payload;
        const doneHeader = header!;
        payload = undefined;
        header = undefined;
        onFrame(doneHeader, done);
        continue;
      }
      if (data.length > 0) {
        pending.push(data);
        pendingBytes += data.length;
        data = empty;
      }
      if (pendingBytes < PREFIX_BYTES) return;
      const head = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [head];
      const headerBytes = head.readUInt32LE(0);
      const payloadBytes = head.readUInt32LE(4);
      if (headerBytes > MAX_HEADER_BYTES || payloadBytes > maxPayloadBytes) {
        throw new Error(`rasterizer frame over its bounds (${headerBytes} header, ${payloadBytes} payload bytes)`);
      }
      if (pendingBytes < PREFIX_BYTES + headerBytes) return;
      const parsed = JSON.parse(head.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headerBytes)) as FrameHeader;
      // What follows the header is the start of the payload (or of the next frame).
      data = head.subarray(PREFIX_BYTES + headerBytes);
      pending = [];
      pendingBytes = 0;
      if (payloadBytes === 0) {
        onFrame(parsed, empty);
        continue;
      }
      header = parsed;
      payload = Buffer.allocUnsafe(payloadBytes);
      filled = 0;
    }
  };
}
