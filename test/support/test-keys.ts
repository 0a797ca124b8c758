import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';

/** An RSA key pair generated at test time; nothing is committed. */
export interface TestKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateTestKeyPair(): TestKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A PKCS#12 like the one Mastercard Developers hands out: the key plus a self-signed certificate. */
export function makePkcs12(keys: TestKeyPair, password: string): Buffer {
  const privateKey = forge.pki.privateKeyFromPem(keys.privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = [{ name: 'commonName', value: 'card-art test signing key' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(privateKey, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(privateKey, [cert], password, { algorithm: '3des', friendlyName: 'keyalias' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/** Writes key files into a fresh temporary folder; call `remove()` when done. */
export function writeKeyFiles(keys: TestKeyPair, password: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'card-art-keys-'));
  const p12Path = path.join(dir, 'signing-key.p12');
  const pemPath = path.join(dir, 'signing-key.pem');
  const encryptedPemPath = path.join(dir, 'signing-key-encrypted.pem');
  writeFileSync(p12Path, makePkcs12(keys, password));
  writeFileSync(pemPath, keys.privateKeyPem);
  const encrypted = forge.pki.encryptRsaPrivateKey(forge.pki.privateKeyFromPem(keys.privateKeyPem), password, { algorithm: 'aes256' });
  writeFileSync(encryptedPemPath, encrypted);
  return { dir, p12Path, pemPath, encryptedPemPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
