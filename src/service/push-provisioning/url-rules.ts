/** What may stand where Token Connect expects a URL: web pages over https, apps by their own scheme. */

/** Schemes that are never an app: script, inline data, local files and the web's own. */
const NOT_APP_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'blob:', 'about:', 'filesystem:', 'http:', 'https:', 'ws:', 'wss:', 'ftp:']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface UrlRules {
  /** http: on a loopback host counts as https: (the embedded simulator and the demo on localhost only). */
  allowLoopbackHttp: boolean;
}

function parse(value: string): URL | undefined {
  // Whitespace and control characters are never part of a URL we hand a browser.
  if (!/^[\x21-\x7e]+$/.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function isWebUrl(value: string, rules: UrlRules): boolean {
  const url = parse(value);
  if (!url || url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  return rules.allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** `myissuer://cards/return`: a custom scheme with something after it. */
export function isAppUrl(value: string): boolean {
  const url = parse(value);
  return url !== undefined && /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) && !NOT_APP_SCHEMES.has(url.protocol) && value.length > url.protocol.length + 1;
}

/** callbackURL: an absolute https: URL or an app scheme (never javascript:, data:, file:). */
export function isCallbackUrl(value: string, rules: UrlRules): boolean {
  return isWebUrl(value, rules) || isAppUrl(value);
}

/** A push method's uri: https: for WEB, an app scheme for ANDROID and IOS. */
export function isUsablePushUri(type: string, uri: string, rules: UrlRules): boolean {
  return type === 'WEB' ? isWebUrl(uri, rules) : isAppUrl(uri);
}
