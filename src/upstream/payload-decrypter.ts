/**
 * Opens Mastercard field-level-encrypted payloads (Notify Token Updated, and the simulator's pushMultipleAccounts)
 * with Node's WebCrypto, whose RSA and AES work runs on libuv's threadpool, not on the main thread: RSA-OAEP with
 * SHA-256 or SHA-512 (MGF1 with the same digest, as mastercard-client-encryption wraps the key) unwraps the AES key,
 * AES-CBC with PKCS#7 padding opens the data, all of it hex on the wire. node-forge did the same in JavaScript on the
 * main thread: ≈ 18 ms per payload on a quiet 2-core machine, against 0.2–0.3 ms of main-thread time here for a payload
 * that does not open (`npx node test/upstream/measure-ntu-decryption.ts`).
 *
 * Keys are held in a ring by `publicKeyFingerprint`, each under both fingerprints MDES may send (SHA-256 hex of the
 * certificate's DER (`certificateFingerprint`), and of the public key's DER), so a payload for a key we do not hold, or whose sizes no payload
 * of that key can have, is refused before any RSA work.
 */
import { createHash, createPrivateKey, createPublicKey, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { CardArtError } from '../errors.ts';
import { certificateFingerprint, loadPrivateKeyPem, type EncryptedPayload, type OaepDigest } from './field-level-encryption.ts';
import { certificatesInKeyFile } from './oauth-signer.ts';

/** What a payload that names no digest was wrapped with: SHA-512, as the MDES sandbox and our encrypter use. */
export const DEFAULT_PAYLOAD_OAEP_DIGEST: OaepDigest = 'SHA512';
/** AES key sizes Mastercard field-level encryption uses (128-bit required, 256-bit optional; 192 is valid AES). */
const AES_KEY_BYTES = new Set([16, 24, 32]);
const AES_BLOCK_BYTES = 16;
/** MDES retries a 503 three times within seconds, then after 15 min: a minute is enough to add a key and not a flood. */
export const NTU_KEY_UNKNOWN_RETRY_AFTER_SECONDS = 60;

/** One private key of the ring, with the certificate MDES holds for it when the key file carried one. */
export interface DecryptionKeyMaterial {
  privateKeyPem: string;
  certificatePem?: string;
}

export interface PayloadDecrypter {
  /**
   * Checks, without any RSA work, that the payload is for a key of the ring and has the sizes such a payload has.
   * Throws NTU_KEY_UNKNOWN (503, MDES retries while the key is being added) or PAYLOAD_UNDECRYPTABLE.
   */
  check(payload: EncryptedPayload): void;
  /** Opens the payload off the main thread; anything that does not open into JSON is PAYLOAD_UNDECRYPTABLE. */
  decrypt(payload: EncryptedPayload): Promise<unknown>;
  /** Every fingerprint the ring answers to (lowercase hex). */
  readonly fingerprints: readonly string[];
}

interface RingKey {
  privateKey: KeyObject;
  modulusBytes: number;
  /** WebCrypto binds the OAEP digest to the imported key: one import per digest, made on first use. */
  imported: Map<OaepDigest, Promise<webcrypto.CryptoKey>>;
}

/** SHA-256 hex of the public key's DER (SubjectPublicKeyInfo): the `publicKey` fingerprint type. */
export function publicKeyFingerprint(key: KeyObject): string {
  return createHash('sha256').update(createPublicKey(key).export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * Reads a decryption key (PEM or .p12) and the certificate beside it in the same file, if any: the one whose public
 * key is this key's (MDES may name the key by the certificate's fingerprint, which needs the certificate itself).
 */
export function loadDecryptionKey(path: string, password: string | undefined, variable: string): DecryptionKeyMaterial {
  const privateKeyPem = loadPrivateKeyPem(path, password, variable);
  const publicKey = createPublicKey(createPrivateKey(privateKeyPem));
  const certificatePem = certificatesInKeyFile(path, password, variable).find((pem) => {
    try {
      return new X509Certificate(pem).publicKey.equals(publicKey);
    } catch {
      return false; // a block that is not a readable certificate is not this key's
    }
  });
  return certificatePem ? { privateKeyPem, certificatePem } : { privateKeyPem };
}

export function createPayloadDecrypter(opts: { keys: readonly DecryptionKeyMaterial[] }): PayloadDecrypter {
  const ring = new Map<string, RingKey>();
  for (const material of opts.keys) {
    const privateKey = createPrivateKey(material.privateKeyPem);
    const modulusLength = privateKey.asymmetricKeyDetails?.modulusLength;
    if (privateKey.asymmetricKeyType !== 'rsa' || !modulusLength) {
      throw new CardArtError('CONFIG_INVALID', 'a payload decryption key is not an RSA key');
    }
    const key: RingKey = { privateKey, modulusBytes: modulusLength / 8, imported: new Map() };
    ring.set(publicKeyFingerprint(privateKey), key);
    if (material.certificatePem) {
      const certificate = new X509Certificate(material.certificatePem);
      if (!certificate.publicKey.equals(createPublicKey(privateKey))) {
        throw new CardArtError('CONFIG_INVALID', 'the certificate beside a payload decryption key is for another key');
      }
      ring.set(certificateFingerprint(material.certificatePem), key);
    }
  }

  function keyOf(payload: EncryptedPayload): RingKey {
    const key = payload.publicKeyFingerprint === undefined ? undefined : ring.get(payload.publicKeyFingerprint.toLowerCase());
    if (!key) {
      throw new CardArtError('NTU_KEY_UNKNOWN', 'publicKeyFingerprint names no key this instance holds', {
        retryAfterSeconds: NTU_KEY_UNKNOWN_RETRY_AFTER_SECONDS,
      });
    }
    // The wrapped key is exactly one modulus long; the data whole AES blocks. Anything else cannot open.
    if (payload.encryptedKey.length !== key.modulusBytes * 2) throw undecryptable('encryptedKey is not as long as the key');
    if (payload.encryptedData.length % (AES_BLOCK_BYTES * 2) !== 0) throw undecryptable('encryptedData is not whole AES blocks');
    return key;
  }

  function rsaKey(key: RingKey, digest: OaepDigest): Promise<webcrypto.CryptoKey> {
    let imported = key.imported.get(digest);
    if (!imported) {
      const hash = digest === 'SHA512' ? 'SHA-512' : 'SHA-256';
      imported = webcrypto.subtle.importKey('pkcs8', key.privateKey.export({ type: 'pkcs8', format: 'der' }), { name: 'RSA-OAEP', hash }, false, ['decrypt']);
      key.imported.set(digest, imported);
    }
    return imported;
  }

  return {
    fingerprints: [...ring.keys()],
    check(payload) {
      keyOf(payload);
    },
    async decrypt(payload) {
      const key = keyOf(payload);
      const digest = payload.oaepHashingAlgorithm ?? DEFAULT_PAYLOAD_OAEP_DIGEST;
      let aesKey: ArrayBuffer;
      try {
        aesKey = await webcrypto.subtle.decrypt({ name: 'RSA-OAEP' }, await rsaKey(key, digest), hexBytes(payload.encryptedKey));
      } catch (error) {
        throw undecryptable('the wrapped key does not open with our key', error);
      }
      if (!AES_KEY_BYTES.has(aesKey.byteLength)) throw undecryptable('the wrapped key is not an AES key');
      // Decoded only now: a payload whose key does not open never costs the (up to 1 MB) data its hex decoding.
      const data = hexBytes(payload.encryptedData);
      let clear: ArrayBuffer;
      try {
        const cipherKey = await webcrypto.subtle.importKey('raw', aesKey, 'AES-CBC', false, ['decrypt']);
        clear = await webcrypto.subtle.decrypt({ name: 'AES-CBC', iv: hexBytes(payload.iv) }, cipherKey, data);
      } catch (error) {
        throw undecryptable('the data does not open with the wrapped key', error);
      }
      try {
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(clear)) as unknown;
      } catch {
        throw undecryptable('the encrypted payload does not hold JSON');
      }
    },
  };
}

/** Hex → bytes; a character that is not hex would end the decoding early, so the length proves the whole field was hex. */
function hexBytes(hex: string): Buffer {
  const bytes = Buffer.from(hex, 'hex');
  if (bytes.length * 2 !== hex.length) throw undecryptable('a field is not hex');
  return bytes;
}

/**
 * One answer for every way a payload fails to open: telling a bad key from bad padding or bad JSON would be a padding
 * oracle on a captured notification. The reason rides along as the cause, for a debugger, never for the client.
 */
function undecryptable(reason: string, cause?: unknown): CardArtError {
  return new CardArtError('PAYLOAD_UNDECRYPTABLE', 'The encrypted payload could not be decrypted', { cause: new Error(reason, { cause }) });
}
