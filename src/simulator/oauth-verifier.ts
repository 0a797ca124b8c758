import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

const REQUIRED_PARAMS = [
  'oauth_body_hash',
  'oauth_consumer_key',
  'oauth_nonce',
  'oauth_signature',
  'oauth_signature_method',
  'oauth_timestamp',
  'oauth_version',
] as const;
/** The gateway tolerates some clock skew; 15 minutes keeps replays of old captures out. */
const MAX_CLOCK_SKEW_SECONDS = 15 * 60;

export type AuthCheck = { ok: true; consumerKey: string } | { ok: false; reason: string };

/**
 * Checks a Mastercard OAuth1 header the way the API gateway does: all parameters present, RSA-SHA256,
 * body hash matching the body, and (with a public key) a valid signature over the signature base string
 * built as Mastercard's oauth1-signer builds it.
 */
export function createOAuthVerifier(publicKeyPem?: string): (request: {
  authorization: string | undefined;
  method: string;
  url: string;
  body: string;
}) => AuthCheck {
  const publicKey: KeyObject | undefined = publicKeyPem ? createPublicKey(publicKeyPem) : undefined;
  return ({ authorization, method, url, body }) => {
    if (!authorization || !authorization.startsWith('OAuth ')) return { ok: false, reason: 'missing OAuth Authorization header' };
    const params = parseOAuthHeader(authorization.slice('OAuth '.length));
    if (!params) return { ok: false, reason: 'malformed OAuth Authorization header' };
    for (const name of REQUIRED_PARAMS) {
      if (!params.get(name)) return { ok: false, reason: `OAuth header lacks ${name}` };
    }
    if (params.get('oauth_signature_method') !== 'RSA-SHA256') return { ok: false, reason: 'unsupported oauth_signature_method' };
    if (params.get('oauth_version') !== '1.0') return { ok: false, reason: 'unsupported oauth_version' };
    if (params.get('oauth_body_hash') !== createHash('sha256').update(body, 'utf8').digest('base64')) {
      return { ok: false, reason: 'oauth_body_hash does not match the body' };
    }
    if (publicKey) {
      const timestamp = Number(params.get('oauth_timestamp'));
      if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
        return { ok: false, reason: 'oauth_timestamp is too far from now' };
      }
      const signature = Buffer.from(decodeURIComponent(params.get('oauth_signature')!), 'base64');
      const baseString = signatureBaseString(method, url, params);
      if (!verify('RSA-SHA256', Buffer.from(baseString), publicKey, signature)) {
        return { ok: false, reason: 'OAuth signature verification failed' };
      }
    }
    return { ok: true, consumerKey: params.get('oauth_consumer_key')! };
  };
}

/** `k="v",k="v"` → map; undefined when any part does not have that shape. */
function parseOAuthHeader(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>();
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z0-9_]+)="([^"]*)"\s*$/.exec(part);
    if (!match) return undefined;
    params.set(match[1]!, match[2]!);
  }
  return params;
}

/** RFC 5849 §3.4.1 with the signer's own conventions (raw values in the parameter string, port kept). */
function signatureBaseString(method: string, requestUrl: string, oauthParams: Map<string, string>): string {
  const url = new URL(requestUrl);
  const baseUri = `${url.protocol.toLowerCase()}//${url.hostname.toLowerCase()}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  const params = new Map<string, string[]>();
  const rawQuery = requestUrl.includes('?') ? requestUrl.slice(requestUrl.indexOf('?') + 1).split('#')[0]! : '';
  for (const pair of rawQuery ? rawQuery.split('&') : []) {
    const index = pair.indexOf('=');
    const key = index > 0 ? pair.slice(0, index) : pair;
    const value = index > 0 ? pair.slice(index + 1) : '';
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  for (const [key, value] of oauthParams) {
    if (key !== 'oauth_signature') params.set(key, [...(params.get(key) ?? []), value]);
  }
  const paramString = [...params.keys()]
    .sort()
    .flatMap((key) => [...new Set(params.get(key))].sort().map((value) => `${key}=${value}`))
    .join('&');
  const encodedParams = encodeURIComponent(paramString).replace('*', '%2A');
  return `${method.toUpperCase()}&${encodeURIComponent(baseUri)}&${encodedParams}`.replace(/!/, '%21');
}
