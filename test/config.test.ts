import { describe, expect, it } from 'vitest';
import { loadConfig, DEFAULT_PORT } from '../src/config.ts';
import { CardArtError } from '../src/errors.ts';

describe('loadConfig', () => {
  it('uses the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(DEFAULT_PORT);
    expect(config.upstream.baseUrl).toBeUndefined();
    expect(config.upstream.assetPath).toBe('/assets/static/1/0/asset');
    expect(config.upstream.timeoutMs).toBe(5000);
    expect(config.cacheDir).toBe('assets-cache');
    expect(config.memoryCacheBytes).toBe(128 * 1024 * 1024);
  });

  it('fails at once, naming the variable, when MDES_BASE_URL is set without credentials', () => {
    expect(() => loadConfig({ MDES_BASE_URL: 'https://sandbox.api.mastercard.com/mdes' })).toThrow(/MDES_CONSUMER_KEY/);
    expect(() =>
      loadConfig({ MDES_BASE_URL: 'https://sandbox.api.mastercard.com/mdes', MDES_CONSUMER_KEY: 'k' }),
    ).toThrow(/MDES_SIGNING_KEY/);
    expect(() =>
      loadConfig({
        MDES_BASE_URL: 'https://sandbox.api.mastercard.com/mdes',
        MDES_CONSUMER_KEY: 'k',
        MDES_SIGNING_KEY: '/nonexistent/key.p12',
      }),
    ).toThrow(/MDES_SIGNING_KEY/);
  });

  it('rejects a bad PORT with a typed error', () => {
    try {
      loadConfig({ PORT: 'eighty' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CardArtError);
      expect((error as CardArtError).message).toMatch(/PORT/);
    }
  });

  it('reads the fleet settings: key prefix, lock TTL and wait, with their defaults and bounds', () => {
    const defaults = loadConfig({});
    expect([defaults.cacheKeyPrefix, defaults.cacheLockTtlMs, defaults.cacheLockWaitMs]).toEqual(['card-art:', 5000, 20_000]);
    const set = loadConfig({ CACHE_KEY_PREFIX: 'staging:card-art:', CACHE_LOCK_TTL_MS: '2000', CACHE_LOCK_WAIT_MS: '0' });
    expect([set.cacheKeyPrefix, set.cacheLockTtlMs, set.cacheLockWaitMs]).toEqual(['staging:card-art:', 2000, 0]);
    expect(() => loadConfig({ CACHE_KEY_PREFIX: 'a b' })).toThrow(/CACHE_KEY_PREFIX/);
    expect(() => loadConfig({ CACHE_LOCK_TTL_MS: '100' })).toThrow(/CACHE_LOCK_TTL_MS/);
  });
});
