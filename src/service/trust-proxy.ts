import { isIP } from 'node:net';
import { CardArtError } from '../errors.ts';

/** express's names for address ranges ('trust proxy' accepts them in a list). */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: a comma-separated list of proxy addresses, CIDRs or express's names (loopback, linklocal,
 * uniquelocal). `true` or a hop count is refused: either lets any client choose its own address through
 * X-Forwarded-For. Unset (or empty) = trust no proxy. The result is what express's 'trust proxy' takes.
 */
export function parseTrustProxy(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    if (!isProxyAddress(entry)) {
      const why = /^(true|false|\d+)$/i.test(entry)
        ? 'true, false and hop counts are refused, since they let any client choose its own address'
        : 'expected proxy addresses or CIDRs (or loopback, linklocal, uniquelocal)';
      throw new CardArtError('CONFIG_INVALID', `TRUST_PROXY: "${entry.slice(0, 60)}" is not allowed: ${why}`);
    }
  }
  return entries.length === 0 ? undefined : entries;
}

function isProxyAddress(entry: string): boolean {
  return NAMED_RANGES.has(entry) || isAddressOrCidr(entry);
}

/** An IPv4 / IPv6 address, or one with a prefix length that fits its family (`10.0.0.0/8`, `::1/128`). */
export function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
