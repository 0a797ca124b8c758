/** Every cache key in one module: the fixed asset key, rendered keys that carry RENDER_VERSION, no collisions. */
import { describe, expect, it } from 'vitest';
import {
  assetCacheKey,
  assetRenderCacheKey,
  RENDER_VERSION,
  renderCacheKey,
  requestorBodyKey,
  requestorListCacheKey,
  requestorPngKey,
  requestorSvgKey,
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
});
