/**
 * The native (WebCrypto) decrypter against payloads made by mastercard-client-encryption, as MDES and the simulator
 * make them: the wire format, the key ring by either fingerprint, and what is refused before any RSA work.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CardArtError } from '../../src/errors.ts';
import { createPayloadEncrypter, generateEncryptionKeyPair, OAEP_DIGESTS, type EncryptedPayload } from '../../src/upstream/field-level-encryption.ts';
import { createPayloadDecrypter, loadDecryptionKey, publicKeyFingerprint } from '../../src/upstream/payload-decrypter.ts';
import { makePkcs12 } from '../support/test-keys.ts';

const keys = generateEncryptionKeyPair('decrypter test key');
const tokens = { tokens: [{ tokenUniqueReference: 'DWSPMC0000000000DECRYPT', status: 'ACTIVE', productConfig: { issuerName: 'Bänk Ünïcode' } }] };
const dir = mkdtempSync(path.join(tmpdir(), 'card-art-decrypter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spkiFingerprint = (privateKeyPem: string) =>
  createHash('sha256').update(createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' })).digest('hex');

async function failure(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'no error';
  } catch (error) {
    return error instanceof CardArtError ? `${error.status} ${error.code}${error.retryAfterSeconds ? ` retry ${error.retryAfterSeconds}` : ''}` : `untyped ${String(error)}`;
  }
}

describe('createPayloadDecrypter', () => {
  for (const digest of OAEP_DIGESTS) {
    it(`opens what mastercard-client-encryption made (OAEP ${digest}, MGF1 ${digest}, AES-128-CBC, hex), UTF-8 intact`, async () => {
      const payload = createPayloadEncrypter({ certificatePem: keys.certificatePem, oaepDigest: digest }).encrypt(tokens);
      expect(await createPayloadDecrypter({ keys: [keys] }).decrypt(payload)).toEqual(tokens);
      // Hex digits in upper case are the same payload.
      const upper = { ...payload, encryptedData: payload.encryptedData.toUpperCase(), encryptedKey: payload.encryptedKey.toUpperCase() };
      expect(await createPayloadDecrypter({ keys: [keys] }).decrypt(upper)).toEqual(tokens);
    });
  }

  it("finds the key by the certificate's fingerprint or the public key's, and holds several keys", async () => {
    const other = generateEncryptionKeyPair('second key');
    const decrypter = createPayloadDecrypter({ keys: [{ privateKeyPem: other.privateKeyPem }, keys] });
    const byCertificate = createPayloadEncrypter({ certificatePem: keys.certificatePem, oaepDigest: 'SHA512' }).encrypt(tokens);
    const certificateDigest = createHash('sha256').update(new X509Certificate(keys.certificatePem).raw).digest('hex');
    expect(byCertificate.publicKeyFingerprint).toBe(certificateDigest);
    expect(await decrypter.decrypt(byCertificate)).toEqual(tokens);
    const byPublicKey = { ...byCertificate, publicKeyFingerprint: spkiFingerprint(keys.privateKeyPem).toUpperCase() };
    expect(await decrypter.decrypt(byPublicKey)).toEqual(tokens);
    // The second key, known by its public key only (no certificate given for it).
    const forOther = createPayloadEncrypter({ certificatePem: other.certificatePem, oaepDigest: 'SHA256' }).encrypt(tokens);
    expect(await decrypter.decrypt({ ...forOther, publicKeyFingerprint: spkiFingerprint(other.privateKeyPem) })).toEqual(tokens);
    expect(decrypter.fingerprints).toHaveLength(3);
    expect(publicKeyFingerprint(createPrivateKey(other.privateKeyPem))).toBe(spkiFingerprint(other.privateKeyPem));
  });

  it('refuses an unknown fingerprint with 503 NTU_KEY_UNKNOWN + Retry-After, and impossible sizes with 400, before any RSA', async () => {
    const decrypter = createPayloadDecrypter({ keys: [keys] });
    const payload = createPayloadEncrypter({ certificatePem: keys.certificatePem, oaepDigest: 'SHA512' }).encrypt(tokens);
    expect(await failure(() => decrypter.check({ ...payload, publicKeyFingerprint: 'ab'.repeat(32) }))).toBe('503 NTU_KEY_UNKNOWN retry 60');
    expect(await failure(() => decrypter.check({ ...payload, publicKeyFingerprint: undefined }))).toBe('503 NTU_KEY_UNKNOWN retry 60');
    expect(await failure(() => decrypter.check({ ...payload, encryptedKey: payload.encryptedKey.slice(2) }))).toBe('400 PAYLOAD_UNDECRYPTABLE');
    expect(await failure(() => decrypter.check({ ...payload, encryptedData: payload.encryptedData.slice(2) }))).toBe('400 PAYLOAD_UNDECRYPTABLE');
    expect(await failure(() => decrypter.check(payload))).toBe('no error');
  });

  it('answers every way a payload fails to open with the same 400 and message (no padding oracle)', async () => {
    const decrypter = createPayloadDecrypter({ keys: [keys] });
    const mine = createPayloadEncrypter({ certificatePem: keys.certificatePem, oaepDigest: 'SHA512' }).encrypt(tokens);
    // The library sends a string as it is: the clear text is not JSON.
    const notJson = createPayloadEncrypter({ certificatePem: keys.certificatePem, oaepDigest: 'SHA512' }).encrypt('not json');
    const bad: EncryptedPayload[] = [
      { ...mine, encryptedKey: randomBytes(256).toString('hex') }, // the wrapped key does not open
      { ...mine, oaepHashingAlgorithm: 'SHA256' }, // wrapped with the other digest
      { ...mine, encryptedData: `${mine.encryptedData.slice(0, -32)}${'00'.repeat(16)}` }, // bad padding
      { ...mine, encryptedData: `${mine.encryptedData.slice(0, -2)}zz` }, // not hex
      { ...mine, iv: '00'.repeat(16) }, // a wrong IV: garbled first block
      notJson,
    ];
    const messages = new Set<string>();
    for (const payload of bad) {
      expect(await failure(() => decrypter.decrypt(payload))).toBe('400 PAYLOAD_UNDECRYPTABLE');
      await decrypter.decrypt(payload).catch((error: CardArtError) => messages.add(error.publicMessage));
    }
    expect([...messages]).toEqual(['The encrypted payload could not be decrypted']);
  });

  it('refuses a non-RSA key and a certificate that belongs to another key at start', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => createPayloadDecrypter({ keys: [{ privateKeyPem: ec }] })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    const other = generateEncryptionKeyPair('other');
    expect(() => createPayloadDecrypter({ keys: [{ privateKeyPem: keys.privateKeyPem, certificatePem: other.certificatePem }] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('loadDecryptionKey', () => {
  it('reads the certificate beside the key in a .p12 or a PEM file, and the key alone from a bare PEM', () => {
    const publicKeyPem = createPublicKey(keys.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    const p12Path = path.join(dir, 'ntu.p12');
    writeFileSync(p12Path, makePkcs12({ privateKeyPem: keys.privateKeyPem, publicKeyPem }, 'secret'));
    const fromP12 = loadDecryptionKey(p12Path, 'secret', 'MDES_DECRYPTION_KEY');
    expect(new X509Certificate(fromP12.certificatePem!).publicKey.equals(createPublicKey(keys.privateKeyPem))).toBe(true);

    const bundlePath = path.join(dir, 'bundle.pem');
    writeFileSync(bundlePath, `${generateEncryptionKeyPair('unrelated').certificatePem}${keys.privateKeyPem}${keys.certificatePem}`);
    expect(loadDecryptionKey(bundlePath, undefined, 'MDES_DECRYPTION_KEY').certificatePem?.trim()).toBe(keys.certificatePem.trim());

    const barePath = path.join(dir, 'bare.pem');
    writeFileSync(barePath, keys.privateKeyPem);
    expect(loadDecryptionKey(barePath, undefined, 'MDES_DECRYPTION_KEY')).toEqual({ privateKeyPem: expect.stringContaining('BEGIN PRIVATE KEY') });
    expect(() => loadDecryptionKey(p12Path, 'wrong', 'MDES_DECRYPTION_KEY')).toThrow(/^MDES_DECRYPTION_KEY: /);
  });
});
