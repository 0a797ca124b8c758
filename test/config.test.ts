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

  it('reads the fleet settings: key prefix, lock TTL and wait, with their defaults and bounds', () => {
    const defaults = loadConfig({});
    expect([defaults.cacheKeyPrefix, defaults.cacheLockTtlMs, defaults.cacheLockWaitMs]).toEqual(['card-art:', 5000, 20_000]);
    const set = loadConfig({ CACHE_KEY_PREFIX: 'staging:card-art:', CACHE_LOCK_TTL_MS: '2000', CACHE_LOCK_WAIT_MS: '0' });
    expect([set.cacheKeyPrefix, set.cacheLockTtlMs, set.cacheLockWaitMs]).toEqual(['staging:card-art:', 2000, 0]);
    expect(() => loadConfig({ CACHE_KEY_PREFIX: 'a b' })).toThrow(/CACHE_KEY_PREFIX/);
    expect(() => loadConfig({ CACHE_LOCK_TTL_MS: '100' })).toThrow(/CACHE_LOCK_TTL_MS/);
  });
});

describe('loadConfig: provisioning (push and Notify Token Updated)', () => {
  const mdes = { MDES_BASE_URL: 'https://sandbox.api.mastercard.com/mdes', MDES_CONSUMER_KEY: 'k' };

  it('defaults: SHA512 OAEP, no tokens, any NTU caller, the host name as responseHost', () => {
    const { provisioning } = loadConfig({});
    expect(provisioning.oaepDigest).toBe('SHA512');
    expect(provisioning.apiTokens).toBeUndefined();
    expect(provisioning.ntuAllowedIps).toBeUndefined();
    expect(provisioning.ntuResponseHost.length).toBeGreaterThan(0);
    expect(provisioning.encryptionCertificatePem).toBeUndefined();
  });

  it('parses API_TOKENS and NTU_ALLOWED_IPS lists and refuses bad entries naming the variable', () => {
    const config = loadConfig({ API_TOKENS: ' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb ', NTU_ALLOWED_IPS: '10.0.0.0/8, ::1, 192.0.2.7' });
    expect(config.provisioning.apiTokens).toEqual(['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
    expect(config.provisioning.ntuAllowedIps).toEqual(['10.0.0.0/8', '::1', '192.0.2.7']);
    expect(() => loadConfig({ API_TOKENS: 'short' })).toThrow(/^API_TOKENS/);
    expect(() => loadConfig({ NTU_ALLOWED_IPS: '10.0.0.0/33' })).toThrow(/^NTU_ALLOWED_IPS/);
    expect(() => loadConfig({ NTU_ALLOWED_IPS: 'example.com' })).toThrow(/^NTU_ALLOWED_IPS/);
    expect(() => loadConfig({ MDES_OAEP_DIGEST: 'MD5' })).toThrow(/MDES_OAEP_DIGEST/);
  });

  it('fails at start, naming the variable, for an unreadable certificate or key', () => {
    expect(() => loadConfig({ MDES_ENCRYPTION_CERT: '/nonexistent/cert.pem' })).toThrow(/^MDES_ENCRYPTION_CERT/);
    expect(() => loadConfig({ MDES_DECRYPTION_KEY: '/nonexistent/key.p12' })).toThrow(/^MDES_DECRYPTION_KEY/);
    expect(() => loadConfig({ ...mdes, MDES_SIGNING_KEY: '/nonexistent/key.p12' })).toThrow(/MDES_SIGNING_KEY/);
  });
});

describe('loadConfig: API_TOKENS against real MDES', () => {
  it('is required once MDES_ENCRYPTION_CERT or MDES_DECRYPTION_KEY turns push or the NTU receiver on', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { generateEncryptionKeyPair } = await import('../src/upstream/field-level-encryption.ts');
    const dir = mkdtempSync(path.join(tmpdir(), 'card-art-config-'));
    try {
      const keys = generateEncryptionKeyPair('config test');
      writeFileSync(path.join(dir, 'key.pem'), keys.privateKeyPem);
      writeFileSync(path.join(dir, 'cert.pem'), keys.certificatePem);
      const base = {
        MDES_BASE_URL: 'https://sandbox.api.mastercard.com/mdes',
        MDES_CONSUMER_KEY: 'k',
        MDES_SIGNING_KEY: path.join(dir, 'key.pem'),
      };
      expect(loadConfig(base).provisioning.apiTokens).toBeUndefined();
      expect(() => loadConfig({ ...base, MDES_ENCRYPTION_CERT: path.join(dir, 'cert.pem') })).toThrow(/^API_TOKENS is required/);
      expect(() => loadConfig({ ...base, MDES_DECRYPTION_KEY: path.join(dir, 'key.pem') })).toThrow(/^API_TOKENS is required/);
      const on = loadConfig({ ...base, MDES_ENCRYPTION_CERT: path.join(dir, 'cert.pem'), API_TOKENS: 'a-long-enough-token-1' });
      expect(on.provisioning.encryptionCertificatePem).toContain('BEGIN CERTIFICATE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
