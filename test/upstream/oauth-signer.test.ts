import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOAuthVerifier } from '../../src/simulator/oauth-verifier.ts';
import { createEphemeralSimulatorSigner, createOAuthSigner, loadSigningKey } from '../../src/upstream/oauth-signer.ts';
import { generateTestKeyPair, writeKeyFiles } from '../support/test-keys.ts';

const PASSWORD = 'keystorepassword-s3cret';
const keys = generateTestKeyPair();
const files = writeKeyFiles(keys, PASSWORD);
afterAll(() => files.remove());

const URL_GET = 'https://sandbox.api.mastercard.com/mdes/assets/static/1/0/asset/3789637f-32a1-4810-a138-4bf34501c321';

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

describe('loadSigningKey', () => {
  it('opens a PKCS#12 with its password and returns a PEM that signs verifiably', () => {
    const pem = loadSigningKey(files.p12Path, PASSWORD);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const signer = createOAuthSigner({ consumerKey: 'ck', signingKeyPem: pem });
    const verify = createOAuthVerifier(keys.publicKeyPem);
    const header = signer.authorizationHeader(URL_GET, 'GET', undefined);
    expect(verify({ authorization: header, method: 'GET', url: URL_GET, body: '' })).toEqual({ ok: true, consumerKey: 'ck' });
  });

  it('reads a plain PEM and an encrypted PEM with its password', () => {
    expect(loadSigningKey(files.pemPath)).toMatch(/BEGIN PRIVATE KEY/);
    expect(loadSigningKey(files.encryptedPemPath, PASSWORD)).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('names MDES_SIGNING_KEY_PASSWORD on a wrong .p12 password and never echoes the secret', () => {
    const error = errorOf(() => loadSigningKey(files.p12Path, 'wrong-password-xyz'));
    expect(error).toMatchObject({ status: 500, code: 'CONFIG_INVALID' });
    expect(error.message).toContain('MDES_SIGNING_KEY_PASSWORD');
    expect(error.message).not.toContain('wrong-password-xyz');
    expect(error.message).not.toContain(PASSWORD);
    expect(error.cause).toBeUndefined();
  });

  it('names MDES_SIGNING_KEY_PASSWORD for an encrypted PEM without the right password', () => {
    const error = errorOf(() => loadSigningKey(files.encryptedPemPath, 'nope-nope'));
    expect(error.message).toContain('MDES_SIGNING_KEY_PASSWORD');
    expect(error.message).not.toContain('nope-nope');
  });

  it('reports a missing file and a non-key file by variable name, without file contents', () => {
    expect(errorOf(() => loadSigningKey(path.join(files.dir, 'absent.p12'))).message).toMatch(/^MDES_SIGNING_KEY: cannot read.*ENOENT/);
    const junk = path.join(files.dir, 'junk.pem');
    writeFileSync(junk, '-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n');
    const error = errorOf(() => loadSigningKey(junk));
    expect(error.message).toContain('MDES_SIGNING_KEY');
    expect(error.message).not.toContain('ZmFrZQ');
  });

  it('refuses a non-RSA key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const ecPath = path.join(files.dir, 'ec.pem');
    writeFileSync(ecPath, ec);
    expect(errorOf(() => loadSigningKey(ecPath)).message).toContain('not an RSA key');
  });
});

describe('createOAuthSigner', () => {
  const signer = createOAuthSigner({ consumerKey: 'consumer-key-123!', signingKeyPem: keys.privateKeyPem });

  it('builds a well-formed Mastercard OAuth1 header with a body hash', () => {
    const header = signer.authorizationHeader(URL_GET, 'GET', undefined);
    expect(header).toMatch(/^OAuth /);
    for (const name of ['oauth_body_hash', 'oauth_consumer_key="consumer-key-123!"', 'oauth_nonce', 'oauth_signature=', 'oauth_signature_method="RSA-SHA256"', 'oauth_timestamp', 'oauth_version="1.0"']) {
      expect(header).toContain(name);
    }
    // SHA-256 of the empty body.
    expect(header).toContain('oauth_body_hash="47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="');
  });

  it('signs POST bodies: the signature verifies for that body and fails for another or with another key', () => {
    const url = 'https://sandbox.api.mastercard.com/mdes/connect/1/0/getEligibleTokenRequestors?x=1&a=b';
    const body = JSON.stringify({ requestId: 'r1', accountRanges: ['512345678'] });
    const header = signer.authorizationHeader(url, 'POST', body);
    expect(createOAuthVerifier(keys.publicKeyPem)({ authorization: header, method: 'POST', url, body }).ok).toBe(true);
    expect(createOAuthVerifier(keys.publicKeyPem)({ authorization: header, method: 'POST', url, body: body + ' ' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('oauth_body_hash'),
    });
    expect(createOAuthVerifier(keys.publicKeyPem)({ authorization: header, method: 'POST', url: url.replace('x=1', 'x=2'), body })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('signature'),
    });
    expect(createOAuthVerifier(generateTestKeyPair().publicKeyPem)({ authorization: header, method: 'POST', url, body }).ok).toBe(false);
  });

  it('refuses an unusable key or an empty consumer key at creation', () => {
    expect(() => createOAuthSigner({ consumerKey: 'ck', signingKeyPem: 'not a key' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createOAuthSigner({ consumerKey: '', signingKeyPem: keys.privateKeyPem })).toThrow(/MDES_CONSUMER_KEY/);
  });

  it('createEphemeralSimulatorSigner gives a signer whose headers verify with the returned public key', () => {
    const { signer: ephemeral, publicKeyPem } = createEphemeralSimulatorSigner();
    const header = ephemeral.authorizationHeader(URL_GET, 'GET', undefined);
    expect(createOAuthVerifier(publicKeyPem)({ authorization: header, method: 'GET', url: URL_GET, body: '' }).ok).toBe(true);
  });
});
