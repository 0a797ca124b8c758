import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  certificateFingerprint,
  createPayloadEncrypter,
  generateEncryptionKeyPair,
  loadCertificatePem,
  loadPrivateKeyPem,
} from '../../src/upstream/field-level-encryption.ts';
import { createPayloadDecrypter } from '../../src/upstream/payload-decrypter.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'card-art-fle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keys = generateEncryptionKeyPair('test encryption key');
const accounts = [{ pushAccountId: 'CA-0a1b', fundingAccountData: { cardAccountData: { accountNumber: '5204731600014792' } } }];

describe('field-level encryption (mastercard-client-encryption)', () => {
  for (const oaepDigest of ['SHA256', 'SHA512'] as const) {
    it(`round-trips a JSON value with OAEP ${oaepDigest}, in hex, naming the certificate's fingerprint`, async () => {
      const payload = createPayloadEncrypter({ certificatePem: keys.certificatePem, oaepDigest }).encrypt(accounts);
      expect(payload.oaepHashingAlgorithm).toBe(oaepDigest);
      expect(payload.iv).toMatch(/^[0-9a-f]{32}$/);
      expect(payload.encryptedData).toMatch(/^[0-9a-f]+$/);
      expect(payload.encryptedData).not.toContain('5204731600014792');
      const der = new X509Certificate(keys.certificatePem).raw;
      const expected = createHash('sha256').update(der).digest('hex');
      expect(payload.publicKeyFingerprint).toBe(expected);
      expect(certificateFingerprint(keys.certificatePem)).toBe(expected);
      expect(await createPayloadDecrypter({ keys: [keys] }).decrypt(payload)).toEqual(accounts);
    });
  }

  it('reads certificates as PEM or DER and keys as PEM, and names the variable when a file is unreadable', () => {
    const pemPath = path.join(dir, 'cert.pem');
    const derPath = path.join(dir, 'cert.der');
    const keyPath = path.join(dir, 'key.pem');
    writeFileSync(pemPath, keys.certificatePem);
    writeFileSync(derPath, new X509Certificate(keys.certificatePem).raw);
    writeFileSync(keyPath, keys.privateKeyPem);
    expect(certificateFingerprint(loadCertificatePem(derPath, 'MDES_ENCRYPTION_CERT'))).toBe(
      certificateFingerprint(loadCertificatePem(pemPath, 'MDES_ENCRYPTION_CERT')),
    );
    expect(loadPrivateKeyPem(keyPath, undefined, 'MDES_DECRYPTION_KEY')).toContain('BEGIN PRIVATE KEY');
    expect(() => loadCertificatePem(path.join(dir, 'absent.pem'), 'MDES_ENCRYPTION_CERT')).toThrow(/^MDES_ENCRYPTION_CERT: /);
    expect(() => loadCertificatePem(keyPath, 'MDES_ENCRYPTION_CERT')).toThrow(/^MDES_ENCRYPTION_CERT: .*not a readable/);
    expect(() => loadPrivateKeyPem(pemPath, undefined, 'MDES_DECRYPTION_KEY')).toThrow(/^MDES_DECRYPTION_KEY: /);
  });
});
