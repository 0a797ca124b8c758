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
    expect(config.negativeCacheSeconds).toBe(300);
  });

  it('reads NEGATIVE_CACHE_SECONDS (0 turns remembered failures off) and refuses a bad value, naming it', () => {
    expect(loadConfig({ NEGATIVE_CACHE_SECONDS: '0' }).negativeCacheSeconds).toBe(0);
    expect(loadConfig({ NEGATIVE_CACHE_SECONDS: '60' }).negativeCacheSeconds).toBe(60);
    expect(() => loadConfig({ NEGATIVE_CACHE_SECONDS: '-1' })).toThrow(/NEGATIVE_CACHE_SECONDS/);
    expect(() => loadConfig({ NEGATIVE_CACHE_SECONDS: 'soon' })).toThrow(/NEGATIVE_CACHE_SECONDS/);
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
});
