import { createHash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A strong ETag for an immutable image, derived from its cache key (never from the body). Render keys are already
 * SHA-256 hex, so they are used as they are (no second hash per request); any other key is hashed.
 */
export function etagForKey(cacheKey: string): string {
  if (SHA256_HEX.test(cacheKey)) return `"${cacheKey}"`;
  return `"${createHash('sha256').update(cacheKey).digest('base64url').slice(0, 32)}"`;
}

/** RFC 9110 If-None-Match: `*` or a list of (possibly weak) tags; weak comparison applies for GET/HEAD. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return trimmed.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}
