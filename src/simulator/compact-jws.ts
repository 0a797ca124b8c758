import { createPublicKey, generateKeyPairSync, sign, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/** A JWS signing key with its `kid` and public JWK (what Get Asset serves as `application/jwk+json`). */
export interface JwsKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

export function generateJwsKey(kid: string): JwsKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

/** Compact JWS, RS256, with a `kid` header (RFC 7515 §7.1). */
export function signCompactJws(payload: unknown, key: Pick<JwsKey, 'kid' | 'privateKey'>): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', kid: key.kid, typ: 'JOSE' }));
  const body = base64url(JSON.stringify(payload));
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${body}`), key.privateKey);
  return `${header}.${body}.${signature.toString('base64url')}`;
}

/** The `kid` of a compact JWS header, without verifying anything (to pick the key). */
export function jwsKeyId(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** The payload when the token is a well-formed RS256 compact JWS signed by `jwk`; undefined otherwise. */
export function verifyCompactJws(token: string, jwk: JsonWebKey): unknown {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, body, signature] = parts as [string, string, string];
  try {
    const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
    if (parsedHeader.alg !== 'RS256') return undefined;
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${body}`), publicKey, Buffer.from(signature, 'base64url'))) return undefined;
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
