import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { CardArtError } from '../errors.ts';

/**
 * `Authorization: Bearer <token>` against API_TOKENS, for the push provisioning and token endpoints.
 * No tokens configured = open (the embedded-simulator demo; start-up refuses that against real MDES).
 * Tokens are compared as SHA-256 digests with timingSafeEqual, so neither length nor content leaks by timing.
 */
export function requireBearerToken(tokens: readonly string[] | undefined): RequestHandler {
  if (!tokens || tokens.length === 0) return (_req, _res, next) => next();
  const digests = tokens.map(digestOf);
  return (req, res, next) => {
    const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(req.headers.authorization ?? '');
    const given = match ? digestOf(match[1]!) : undefined;
    // Every configured token is compared, so the time taken does not tell which one (or whether one) matched.
    let ok = false;
    for (const digest of digests) if (given && timingSafeEqual(digest, given)) ok = true;
    if (ok) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', match ? 'Bearer realm="card-art", error="invalid_token"' : 'Bearer realm="card-art"');
    next(new CardArtError('UNAUTHORIZED', 'A valid bearer token is required'));
  };
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
