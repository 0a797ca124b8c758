/**
 * The on-disk / in-Redis form of one cache entry: raw bytes (never base64) behind a small JSON header,
 * with a CRC-32 trailer over everything before it, so flipped or missing bytes are detected on read.
 *
 *   "CAF2" | u32BE header length | header JSON {key, meta, size} | bytes | u32BE crc32(all of the above)
 *
 * The checksum guards against torn writes and bit rot, not forgery (whoever can write a frame can recompute
 * any unkeyed digest), so CRC-32 (~20× cheaper than SHA-256 per byte) is enough. Frames written before
 * ("CAF1", a sha256 trailer) are still read.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { CacheEntry } from './cache-types.ts';

const MAGIC = Buffer.from('CAF2', 'latin1');
const LEGACY_MAGIC = Buffer.from('CAF1', 'latin1');
const PREFIX_LENGTH = MAGIC.length + 4;
const DIGEST_LENGTH = 4;
const LEGACY_DIGEST_LENGTH = 32;
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
  // One allocation, filled in place (no Buffer.concat of parts).
  const frame = Buffer.allocUnsafe(PREFIX_LENGTH + header.length + entry.bytes.length + DIGEST_LENGTH);
  MAGIC.copy(frame, 0);
  frame.writeUInt32BE(header.length, MAGIC.length);
  header.copy(frame, PREFIX_LENGTH);
  const bodyEnd = PREFIX_LENGTH + header.length + entry.bytes.length;
  frame.set(entry.bytes, PREFIX_LENGTH + header.length);
  frame.writeUInt32BE(crc32(frame.subarray(0, bodyEnd)), bodyEnd);
  return frame;
}

/** The largest frame an entry of `maxEntryBytes` can produce (used to bound reads). */
export function maxFrameBytes(maxEntryBytes: number): number {
  return PREFIX_LENGTH + MAX_FRAME_HEADER_BYTES + maxEntryBytes + LEGACY_DIGEST_LENGTH;
}

/** Decodes a frame; undefined when it is truncated, altered, or stored under another key. */
export function decodeEntryFrame(key: string, frame: Buffer): CacheEntry | undefined {
  const magic = frame.subarray(0, MAGIC.length);
  const legacy = magic.equals(LEGACY_MAGIC);
  if (!legacy && !magic.equals(MAGIC)) return undefined;
  const digestLength = legacy ? LEGACY_DIGEST_LENGTH : DIGEST_LENGTH;
  if (frame.length < PREFIX_LENGTH + digestLength) return undefined;
  const headerLength = frame.readUInt32BE(MAGIC.length);
  const bodyEnd = frame.length - digestLength;
  if (headerLength > MAX_FRAME_HEADER_BYTES || PREFIX_LENGTH + headerLength > bodyEnd) return undefined;
  const body = frame.subarray(0, bodyEnd);
  const intact = legacy
    ? createHash('sha256').update(body).digest().equals(frame.subarray(bodyEnd))
    : crc32(body) === frame.readUInt32BE(bodyEnd);
  if (!intact) return undefined;
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
  return readFrameHeader(head)?.key;
}

/** The key and meta recorded in a frame's header, from its first bytes (no checksum check: for indexing and sweeping). */
export function readFrameHeader(head: Buffer): { key: string; meta: Record<string, unknown> } | undefined {
  if (head.length < PREFIX_LENGTH) return undefined;
  const magic = head.subarray(0, MAGIC.length);
  if (!magic.equals(MAGIC) && !magic.equals(LEGACY_MAGIC)) return undefined;
  const headerLength = head.readUInt32BE(MAGIC.length);
  if (headerLength > MAX_FRAME_HEADER_BYTES || PREFIX_LENGTH + headerLength > head.length) return undefined;
  try {
    const { key, meta } = JSON.parse(head.subarray(PREFIX_LENGTH, PREFIX_LENGTH + headerLength).toString('utf8')) as { key?: unknown; meta?: unknown };
    if (typeof key !== 'string') return undefined;
    return { key, meta: typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : {} };
  } catch {
    return undefined;
  }
}
