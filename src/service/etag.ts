import { createHash } from 'node:crypto';

/** A strong ETag for an immutable image, derived from its cache key (never from the body). */
export function etagForKey(cacheKey: string): string {
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
