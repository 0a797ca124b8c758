import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import forge from 'node-forge';
import { z } from 'zod';
import { CardArtError } from '../errors.ts';
import { loadSigningKey } from './oauth-signer.ts';

// mastercard-client-encryption is CommonJS without typings; only FieldLevelEncryption is used.
const require = createRequire(import.meta.url);
const { FieldLevelEncryption } = require('mastercard-client-encryption') as {
  FieldLevelEncryption: new (config: Record<string, unknown>) => { crypto: FieldLevelCrypto };
};

interface FieldLevelCrypto {
  encryptData(options: { data: unknown }): Record<string, string>;
}

/** The digests MDES accepts for the RSA-OAEP wrapping of the AES key; the sandbox uses SHA-512. */
export const OAEP_DIGESTS = ['SHA256', 'SHA512'] as const;
export type OaepDigest = (typeof OAEP_DIGESTS)[number];

/** A certificate or key file is a few KB; anything far larger is not one. */
const MAX_CERTIFICATE_FILE_BYTES = 1024 * 1024;
/** An encrypted payload of 5 accounts or 100 tokens is well under 1 MB of hex. */
export const MAX_ENCRYPTED_DATA_CHARS = 4 * 1024 * 1024;

/** Mastercard field-level encryption as MDES sends and expects it: AES-128-CBC, key wrapped with RSA-OAEP, hex. */
export const encryptedPayloadSchema = z.object({
  encryptedData: z.string().min(32).max(MAX_ENCRYPTED_DATA_CHARS).regex(/^[0-9a-fA-F]+$/),
  iv: z.string().regex(/^[0-9a-fA-F]{32}$/),
  encryptedKey: z.string().min(64).max(2048).regex(/^[0-9a-fA-F]+$/),
  publicKeyFingerprint: z.string().max(256).optional(),
  oaepHashingAlgorithm: z.enum(OAEP_DIGESTS).optional(),
});
export type EncryptedPayload = z.infer<typeof encryptedPayloadSchema>;

export interface PayloadEncrypter {
  /** Encrypts any JSON value for the holder of the certificate's private key. */
  encrypt(value: unknown): EncryptedPayload;
  /** SHA-256 of the certificate's DER, hex: the `publicKeyFingerprint` MDES matches its key by. */
  readonly publicKeyFingerprint: string;
}

/** mastercard-client-encryption's configuration for our payloads (the decryption measurement's baseline adds a privateKey). */
export function libraryConfig(certificatePem: string, oaepDigest: OaepDigest) {
  return {
    // The path-mapping part of the library is not used (we call its crypto directly), but it wants one entry.
    paths: [{ path: '/', toEncrypt: [], toDecrypt: [] }],
    useCertificateContent: true,
    encryptionCertificate: certificatePem,
    oaepPaddingDigestAlgorithm: oaepDigest === 'SHA512' ? 'SHA-512' : 'SHA-256',
    dataEncoding: 'hex',
    ivFieldName: 'iv',
    encryptedKeyFieldName: 'encryptedKey',
    encryptedValueFieldName: 'encryptedData',
    publicKeyFingerprintFieldName: 'publicKeyFingerprint',
    publicKeyFingerprintType: 'certificate',
    oaepHashingAlgorithmFieldName: 'oaepHashingAlgorithm',
  };
}

/**
 * Encrypts for the certificate's owner (Mastercard for pushMultipleAccounts; the service for the simulator's NTU).
 * Decryption is payload-decrypter.ts (native WebCrypto, off the main thread).
 */
export function createPayloadEncrypter(opts: { certificatePem: string; oaepDigest: OaepDigest }): PayloadEncrypter {
  const { crypto } = new FieldLevelEncryption(libraryConfig(opts.certificatePem, opts.oaepDigest));
  const publicKeyFingerprint = certificateFingerprint(opts.certificatePem);
  return {
    publicKeyFingerprint,
    encrypt(value) {
      return encryptedPayloadSchema.parse(crypto.encryptData({ data: value }));
    },
  };
}

/** Reads a certificate (PEM or DER) named by `variable`; an unreadable one fails at start, naming the variable. */
export function loadCertificatePem(path: string, variable: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CardArtError('CONFIG_INVALID', `${variable}: cannot read the certificate at ${path} (${reason})`);
  }
  if (bytes.length > MAX_CERTIFICATE_FILE_BYTES) {
    throw new CardArtError('CONFIG_INVALID', `${variable}: ${path} is too large to be a certificate`);
  }
  try {
    const certificate = new X509Certificate(bytes);
    if (certificate.publicKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    return certificate.toString();
  } catch {
    throw new CardArtError('CONFIG_INVALID', `${variable}: ${path} is not a readable RSA certificate (PEM or DER)`);
  }
}

/** Reads a private key (PEM or .p12) named by `variable`, as PKCS#8 PEM. */
export function loadPrivateKeyPem(path: string, password: string | undefined, variable: string): string {
  return loadSigningKey(path, password, variable);
}

export function certificateFingerprint(certificatePem: string): string {
  return new X509Certificate(certificatePem).fingerprint256.replaceAll(':', '').toLowerCase();
}

/** A fresh RSA key pair with a self-signed certificate: the embedded simulator's stand-in for Mastercard's keys. */
export function generateEncryptionKeyPair(commonName: string): { certificatePem: string; privateKeyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privateKeyPem, certificatePem: selfSignedCertificate(privateKeyPem, commonName) };
}

function selfSignedCertificate(privateKeyPem: string, commonName: string): string {
  const publicKeyPem = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 365 * 24 * 3_600_000);
  const subject = [{ name: 'commonName', value: commonName }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}
