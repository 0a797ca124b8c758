import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import OAuth from 'mastercard-oauth1-signer';
import forge from 'node-forge';
import { CardArtError } from '../errors.ts';

/** Builds the OAuth 1.0a `Authorization` header Mastercard APIs expect (RSA-SHA256 with body hash). */
export interface RequestSigner {
  authorizationHeader(url: string, method: string, body: string | undefined): string;
}

/** A signing key file is a few KB; anything far larger is not a key. */
const MAX_KEY_FILE_BYTES = 1024 * 1024;
export const SIMULATOR_CONSUMER_KEY = 'card-art-embedded-simulator';

/**
 * Reads the MDES signing key as an unencrypted PKCS#8 PEM: from a PKCS#12 (.p12, via node-forge) or a PEM
 * file (encrypted PEM needs the password). Error messages name the variables, never the password or key.
 */
export function loadSigningKey(path: string, password?: string, variable = 'MDES_SIGNING_KEY'): string {
  const bytes = readKeyFile(path, variable);
  const text = bytes.toString('latin1');
  const pem = text.includes('-----BEGIN')
    ? pemKeyToPkcs8(text, password, path, variable)
    : pkcs12KeyToPkcs8(openPkcs12(bytes, password, path, variable), path, variable);
  assertRsaPrivateKey(pem, path, variable);
  return pem;
}

/**
 * The certificates a key file carries beside its key, as PEM: `CERTIFICATE` blocks of a PEM file, or the certificate
 * bags of a PKCS#12 (what Mastercard Developers hands out). Empty when the file holds the key alone.
 */
export function certificatesInKeyFile(path: string, password?: string, variable = 'MDES_SIGNING_KEY'): string[] {
  const bytes = readKeyFile(path, variable);
  const text = bytes.toString('latin1');
  if (text.includes('-----BEGIN')) return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const bags = openPkcs12(bytes, password, path, variable).getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  return bags.flatMap((bag) => (bag.cert ? [forge.pki.certificateToPem(bag.cert)] : []));
}

function readKeyFile(path: string, variable: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CardArtError('CONFIG_INVALID', `${variable}: cannot read the key file at ${path} (${reason})`);
  }
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    throw new CardArtError('CONFIG_INVALID', `${variable}: ${path} is too large to be a private key`);
  }
  return bytes;
}

/** A signer for the given consumer key; the key is checked once here so a bad key fails at start. */
export function createOAuthSigner(opts: { consumerKey: string; signingKeyPem: string }): RequestSigner {
  const { consumerKey, signingKeyPem } = opts;
  if (!consumerKey) throw new CardArtError('CONFIG_INVALID', 'MDES_CONSUMER_KEY is empty');
  // Parsed once: handed a PEM string, the library would parse the key again for every request it signs.
  const signingKey = assertRsaPrivateKey(signingKeyPem, 'the given PEM');
  return {
    authorizationHeader(url, method, body) {
      // The library passes the key straight to crypto's Sign#sign, which takes a KeyObject; its typings say string.
      return OAuth.getAuthorizationHeader(url, method, body ?? null, consumerKey, signingKey as unknown as string);
    },
  };
}

/**
 * For the embedded simulator: a fresh RSA key pair made at start, so the real signing path always runs
 * and the simulator can verify every request with the public key.
 */
export function createEphemeralSimulatorSigner(): { signer: RequestSigner; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { signer: createOAuthSigner({ consumerKey: SIMULATOR_CONSUMER_KEY, signingKeyPem }), publicKeyPem };
}

function pemKeyToPkcs8(text: string, password: string | undefined, path: string, variable: string): string {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem', ...(password ? { passphrase: password } : {}) });
  } catch {
    const hint = text.includes('ENCRYPTED')
      ? `check ${variable}_PASSWORD (the PEM is encrypted)`
      : 'it holds no readable private key';
    throw new CardArtError('CONFIG_INVALID', `${variable}: cannot load the PEM key at ${path}; ${hint}`);
  }
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function openPkcs12(bytes: Buffer, password: string | undefined, path: string, variable: string): forge.pkcs12.Pkcs12Pfx {
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    return forge.pkcs12.pkcs12FromAsn1(asn1, password ?? '');
  } catch {
    // forge's message is generic; the cause is dropped on purpose so no key material can ride along.
    throw new CardArtError('CONFIG_INVALID',
      `${variable}: cannot open the PKCS#12 file at ${path}; check ${variable}_PASSWORD`,
    );
  }
}

function pkcs12KeyToPkcs8(p12: forge.pkcs12.Pkcs12Pfx, path: string, variable: string): string {
  for (const bagType of [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]) {
    const bags = p12.getBags({ bagType: bagType! })[bagType!] ?? [];
    const key = bags.find((bag) => bag.key)?.key;
    if (key) {
      const rsaPem = forge.pki.privateKeyToPem(key);
      return createPrivateKey(rsaPem).export({ type: 'pkcs8', format: 'pem' }).toString();
    }
  }
  throw new CardArtError('CONFIG_INVALID', `${variable}: the PKCS#12 file at ${path} holds no private key`);
}

function assertRsaPrivateKey(pem: string, where: string, variable = 'MDES_SIGNING_KEY'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new CardArtError('CONFIG_INVALID', `${variable}: ${where} is not a readable private key`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CardArtError('CONFIG_INVALID', `${variable}: ${where} is not an RSA key`);
  }
  return key;
}
