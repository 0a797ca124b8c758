/** Every cache key in one module: the fixed asset key, rendered keys that carry RENDER_VERSION, no collisions. */
import { describe, expect, it } from 'vitest';
import {
  assetCacheKey,
  assetRenderCacheKey,
  COUNTED_VARIANT_PREFIXES,
  layerFailureKey,
  ntuRequestKey,
  pushReceiptKey,
  RENDER_VERSION,
  renderFailureKey,
  renderCacheKey,
  requestorBodyKey,
  requestorListCacheKey,
  requestorPngKey,
  requestorSvgKey,
  tokenRecordKey,
} from '../src/cache-keys.ts';

describe('cache keys', () => {
  it('keeps the fixed asset key and versions only what card-art renders', () => {
    expect(assetCacheKey('abc')).toBe('asset:abc');
    expect(requestorPngKey('abc', 96)).toContain(`:${RENDER_VERSION}:`);
    const request = { productConfig: { cardBackgroundAssetId: 'abc' }, width: 768, format: 'png' as const };
    expect(renderCacheKey(request, 'next')).not.toBe(renderCacheKey(request));
    expect(assetRenderCacheKey('abc', 128, 'png', 'next')).not.toBe(assetRenderCacheKey('abc', 128, 'png'));
  });

  it('gives each kind of entry its own key space for the same ID', () => {
    const request = { productConfig: { cardBackgroundAssetId: 'abc' }, width: 768, format: 'png' as const };
    const keys = [
      assetCacheKey('abc'),
      requestorBodyKey('abc'),
      requestorSvgKey('abc'),
      requestorPngKey('abc', 192),
      requestorListCacheKey('abc'),
      renderCacheKey(request),
      assetRenderCacheKey('abc', 768, 'png'),
      assetRenderCacheKey('abc', undefined, 'png'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  /** Every family: its key maker over an ID, and the shape that marks its keys (a prefix, or 64 hex digits). */
  const request = (id: string) => ({ productConfig: { cardBackgroundAssetId: id }, width: 768, format: 'png' as const });
  const families: Array<{ name: string; make: (id: string) => string; prefix?: string }> = [
    { name: 'asset body', make: assetCacheKey, prefix: 'asset:' },
    { name: 'requestor body', make: requestorBodyKey, prefix: 'requestor-asset:v2:' },
    { name: 'requestor svg', make: requestorSvgKey, prefix: 'requestor-svg:v2:' },
    { name: 'requestor png', make: (id) => requestorPngKey(id, 96), prefix: `requestor-logo:${RENDER_VERSION}:` },
    { name: 'requestor list', make: requestorListCacheKey, prefix: 'token-requestors:' },
    { name: 'token record', make: tokenRecordKey, prefix: 'token:' },
    { name: 'ntu request', make: ntuRequestKey, prefix: 'ntu-request:' },
    { name: 'push receipt', make: pushReceiptKey, prefix: 'push-receipt:' },
    { name: 'render failure', make: (id) => renderFailureKey(renderCacheKey(request(id))), prefix: 'render:' },
    { name: 'layer failure', make: (id) => layerFailureKey(id, 1536, 969), prefix: 'layer:' },
    { name: 'card render', make: (id) => renderCacheKey(request(id)) },
    { name: 'asset render', make: (id) => assetRenderCacheKey(id, 768, 'png') },
  ];
  const HEX_KEY = /^[0-9a-f]{64}$/;
  // IDs that imitate other families' prefixes, separators and hex keys.
  const hostileIds = ['abc', 'v2:abc', 'asset:abc', 'requestor-asset:v2:abc', 'token-requestors:1', ':', '', 'a'.repeat(64), '0'.repeat(64)];

  it('no two key families can share a key: each prefix is nobody else\'s prefix, and rendered keys have none', () => {
    const prefixes = families.flatMap((family) => (family.prefix ? [family.prefix] : []));
    for (const a of prefixes) {
      expect(a).toMatch(/:$/); // so a prefixed key never looks like a 64-hex rendered key
      for (const b of prefixes) if (a !== b) expect(b.startsWith(a), `${a} is a prefix of ${b}`).toBe(false);
    }
    const owners = new Map<string, string>();
    for (const family of families) {
      for (const id of hostileIds) {
        const key = family.make(id);
        if (family.prefix) expect(key.startsWith(family.prefix), `${family.name}: ${key}`).toBe(true);
        else expect(key, family.name).toMatch(HEX_KEY);
        const matching = families.filter((other) => (other.prefix ? key.startsWith(other.prefix) : HEX_KEY.test(key)));
        if (family.prefix) expect(matching.map((other) => other.name), key).toEqual([family.name]);
        const owner = owners.get(key);
        expect(owner === undefined || owner === family.name, `${key}: ${owner} and ${family.name}`).toBe(true);
        owners.set(key, family.name);
      }
    }
  });

  it('counts by CACHE_MAX_MB exactly the prefixed families that are rendered variants', () => {
    const counted = families.filter((family) => family.prefix && COUNTED_VARIANT_PREFIXES.some((prefix) => family.make('abc').startsWith(prefix)));
    expect(counted.map((family) => family.name)).toEqual(['requestor svg', 'requestor png', 'requestor list']);
  });
});
