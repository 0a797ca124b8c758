/**
 * The on-disk / in-Redis form of one cache entry: raw bytes (never base64) behind a small JSON header,
 * with a sha256 trailer over everything before it, so flipped or missing bytes are detected on read.
 *
 *   "CAF1" | u32BE header length | header JSON {key, meta, size} | bytes | sha256(all of the above)
 */
import { createHash } from 'node:crypto';
import type { CacheEntry } from './cache-types.ts';

const MAGIC = Buffer.from('CAF1', 'latin1');
const PREFIX_LENGTH = MAGIC.length + 4;
const DIGEST_LENGTH = 32;
/** Headers are a key plus a few short meta strings; 64 KiB leaves ample room and bounds a bogus length. */
export const MAX_FRAME_HEADER_BYTES = 64 * 1024;

interface FrameHeader {
  key: string;
  meta: Record<string, string>;
  size: number;
}

export function encodeEntryFrame(key: string, entry: CacheEntry): Buffer {
  const header = Buffer.from(JSON.stringify({ key, meta: entry.meta, size: entry.bytes.length } satisfies FrameHeader), 'utf8');
  if (header.length > MAX_FRAME_HEADER_BYTES) throw new RangeError(`cache entry header is ${header.length} bytes`);
  const prefix = Buffer.alloc(PREFIX_LENGTH);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32BE(header.length, MAGIC.length);
  const digest = createHash('sha256').update(prefix).update(header).update(entry.bytes).digest();
  return Buffer.concat([prefix, header, entry.bytes, digest]);
}

/** The largest frame an entry of `maxEntryBytes` can produce (used to bound reads). */
export function maxFrameBytes(maxEntryBytes: number): number {
  return PREFIX_LENGTH + MAX_FRAME_HEADER_BYTES + maxEntryBytes + DIGEST_LENGTH;
}

/** Decodes a frame; undefined when it is truncated, altered, or stored under another key. */
export function decodeEntryFrame(key: string, frame: Buffer): CacheEntry | undefined {
  if (frame.length < PREFIX_LENGTH + DIGEST_LENGTH || !frame.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const headerLength = frame.readUInt32BE(MAGIC.length);
  const bodyEnd = frame.length - DIGEST_LENGTH;
  if (headerLength > MAX_FRAME_HEADER_BYTES || PREFIX_LENGTH + headerLength > bodyEnd) return undefined;
  const digest = createHash('sha256').update(frame.subarray(0, bodyEnd)).digest();
  if (!digest.equals(frame.subarray(bodyEnd))) return undefined;
  let header: FrameHeader;
  try {
    header = JSON.parse(frame.subarray(PREFIX_LENGTH, PREFIX_LENGTH + headerLength).toString('utf8')) as FrameHeader;
  } catch {
    return undefined;
  }
  const bytes = frame.subarray(PREFIX_LENGTH + headerLength, bodyEnd);
  if (header.key !== key || header.size !== bytes.length || !isStringRecord(header.meta)) return undefined;
  return { bytes, meta: header.meta };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/** Bytes to read from the start of a frame to learn its key (prefix + the largest header). */
export const FRAME_HEAD_BYTES = PREFIX_LENGTH + MAX_FRAME_HEADER_BYTES;

/** The key recorded in a frame's header, from its first bytes (no checksum check: for indexing only). */
export function readFrameKey(head: Buffer): string | undefined {
  if (head.length < PREFIX_LENGTH || !head.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const headerLength = head.readUInt32BE(MAGIC.length);
  if (headerLength > MAX_FRAME_HEADER_BYTES || PREFIX_LENGTH + headerLength > head.length) return undefined;
  try {
    const key = (JSON.parse(head.subarray(PREFIX_LENGTH, PREFIX_LENGTH + headerLength).toString('utf8')) as { key?: unknown }).key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}
