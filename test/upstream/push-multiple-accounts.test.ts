import type { JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyCompactJws } from '../../src/simulator/compact-jws.ts';
import { PUSH_ACCOUNTS_TARGET, type RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { createPayloadEncrypter, generateEncryptionKeyPair } from '../../src/upstream/field-level-encryption.ts';
import { createHttpAssetSource } from '../../src/upstream/http-asset-source.ts';
import { createOAuthSigner } from '../../src/upstream/oauth-signer.ts';
import {
  createPushAccountsClient,
  supportedHolderData,
  type PushMultipleAccountsInput,
} from '../../src/upstream/push-multiple-accounts.ts';
import { REFUSED_PORT } from '../support/free-port.ts';
import { generateTestKeyPair } from '../support/test-keys.ts';
import { clientFor, startSimulator, TEST_PATHS } from './upstream-fixtures.ts';

const keys = generateTestKeyPair();
const signer = createOAuthSigner({ consumerKey: 'push-test-consumer', signingKeyPem: keys.privateKeyPem });
const SIGNED = '50110030281';
const UNSIGNED = '50110030282';
const SINGLE = '50110030283';
const HOLDER = {
  accountHolderName: 'Alex Example',
  accountHolderEmailAddress: 'alex@example.com',
  accountHolderMobilePhoneNumber: { countryDialInCode: '1', phoneNumber: '5550100' },
};

let dir: string;
let simulator: RunningSimulator;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'card-art-push-'));
  const requestor = (id: string, extra: object) => ({
    tokenRequestorId: id,
    name: `Requestor ${id}`,
    imageAssetId: 'logo',
    tokenRequestorType: 'WALLET',
    enabledAccountRanges: ['555555555', '222300312'],
    availablePushMethods: [{ type: 'WEB', uri: `{SIMULATOR_ORIGIN}/requestors/${id}/push` }],
    ...extra,
  });
  writeFileSync(
    path.join(dir, 'token-requestors.json'),
    JSON.stringify({
      tokenRequestors: [
        requestor(SIGNED, { tokenRequestorSignatureSupport: true, supportsMultiplePushedCards: true, supportedAccountHolderData: ['NAME'] }),
        requestor(UNSIGNED, { supportsMultiplePushedCards: true, supportedAccountHolderData: [] }),
        requestor(SINGLE, { supportsMultiplePushedCards: false, supportedAccountHolderData: ['NAME', 'EMAIL_ADDRESS', 'MOBILE_PHONE_NUMBER'] }),
      ],
    }),
  );
  simulator = await startSimulator({ assetDir: dir, verifyKeyPem: keys.publicKeyPem });
});
afterAll(async () => {
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  simulator.faults.clear();
  simulator.resetCounts();
});

function pushClient(extra: Parameters<typeof clientFor>[2] = {}) {
  const transport = clientFor(simulator, signer, extra);
  const encrypter = createPayloadEncrypter({ certificatePem: simulator.push.encryptionCertificatePem, oaepDigest: 'SHA512' });
  return { transport, client: createPushAccountsClient({ transport, encrypter }) };
}

function input(tokenRequestorId: string, accountNumbers: string[], supportedAccountHolderData: string[] = []): PushMultipleAccountsInput {
  return {
    tokenRequestorId,
    accounts: accountNumbers.map((accountNumber) => ({ accountNumber, expiryMonth: '12', expiryYear: '39', accountHolderData: HOLDER })),
    signatureData: { callbackURL: 'https://issuer.example/back', completeIssuerAppActivation: false, completeWebsiteActivation: true, locale: 'en_US' },
    supportedAccountHolderData,
  };
}

describe('pushMultipleAccounts against the simulator over HTTP (OAuth verified, payload decrypted there)', () => {
  it('a signing requestor: receipts for eligible cards, ACCOUNT_INELIGIBLE for the other, and an RS256 JWS naming its kid', async () => {
    const { client, transport } = pushClient();
    const result = await client.push(input(SIGNED, ['5555555555554444', '5105105105105100', '2223003122003222'], ['NAME']));
    expect(result.accounts.map((a) => [a.accountPanSuffix, a.pushAccountReceipt ? 'receipt' : a.reasonCode])).toEqual([
      ['4444', 'receipt'],
      ['5100', 'ACCOUNT_INELIGIBLE'],
      ['3222', 'receipt'],
    ]);
    for (const account of result.accounts) expect(account.pushAccountId).toMatch(/^CA-[0-9a-f]{32}$/);
    expect(result.tokenRequestorSignatureSupport).toBe(true);
    expect(result.accountHolderDataSupplied).toBe(true);
    const [header] = result.signature!.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ alg: 'RS256', kid: simulator.push.jwsKey.kid });
    const payload = verifyCompactJws(result.signature!, simulator.push.jwsKey.publicJwk) as Record<string, unknown>;
    expect(payload.pushAccountReceipts).toEqual(result.accounts.flatMap((a) => (a.pushAccountReceipt ? [a.pushAccountReceipt] : [])));
    expect(payload).toMatchObject({ callbackURL: 'https://issuer.example/back', locale: 'en_US', accountHolderDataSupplied: true });
    for (const account of result.accounts) if (account.pushAccountReceipt) expect(account.pushAccountReceipt.length).toBeLessThanOrEqual(64);
    expect(transport.stats().calls).toEqual({ pushAccounts: 1 });
  });

  it('serves the JWS key as application/jwk+json through Get Asset, and the signature verifies with what it serves', async () => {
    const { client, transport } = pushClient();
    const result = await client.push(input(SIGNED, ['5555555555554444'], ['NAME']));
    const body = (await transport.getAsset(simulator.push.jwsKey.kid)) as { mediaContents: Array<{ type: string; data: string }> };
    expect(body.mediaContents[0]!.type).toBe('application/jwk+json');
    const jwk = JSON.parse(Buffer.from(body.mediaContents[0]!.data, 'base64').toString()) as JsonWebKey;
    expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: simulator.push.jwsKey.kid });
    expect(jwk).not.toHaveProperty('d');
    expect(verifyCompactJws(result.signature!, jwk)).toBeTruthy();
    const tampered = result.signature!.replace(/\.([A-Za-z0-9_-])/, (_m, c: string) => `.${c === 'A' ? 'B' : 'A'}`);
    expect(verifyCompactJws(tampered, jwk)).toBeUndefined();
  });

  it('an unsigned requestor: receipts, no signature; no holder data sent when it supports none', async () => {
    const { client } = pushClient();
    const result = await client.push(input(UNSIGNED, ['5555555555554444', '2223003122003222'], []));
    expect(result.signature).toBeUndefined();
    expect(result.tokenRequestorSignatureSupport).toBe(false);
    expect(result.accountHolderDataSupplied).toBe(false);
    expect(result.accounts.every((a) => a.pushAccountReceipt?.startsWith('MCC-'))).toBe(true);
    expect(result.availablePushMethods).toEqual([{ type: 'WEB', uri: `${simulator.origin}/requestors/${UNSIGNED}/push` }]);
  });

  it('a signing requestor with no receipt issued gets no signature', async () => {
    const { client } = pushClient();
    const result = await client.push(input(SIGNED, ['5105105105105100'], ['NAME']));
    expect(result.accounts[0]).toMatchObject({ accountPanSuffix: '5100', reasonCode: 'ACCOUNT_INELIGIBLE' });
    expect(result.signature).toBeUndefined();
  });

  it('per-account errors for an expired and a Luhn-invalid card (MDES checks them too)', async () => {
    const { client } = pushClient();
    const request = input(UNSIGNED, ['5555555555554444', '5555555555554445']);
    request.accounts[0]!.expiryYear = '20';
    const result = await client.push(request);
    expect(result.accounts.map((a) => [a.reasonCode, a.description])).toEqual([
      ['ACCOUNT_INELIGIBLE', 'The card has expired'],
      ['ACCOUNT_INELIGIBLE', 'The account number is not valid'],
    ]);
  });

  it('sends only the holder data the requestor supports (the simulator refuses any other element)', async () => {
    expect(supportedHolderData(HOLDER, ['NAME'])).toEqual({ accountHolderName: 'Alex Example' });
    expect(supportedHolderData(HOLDER, [])).toBeUndefined();
    const { client } = pushClient();
    const filtered = await client.push(input(SIGNED, ['5555555555554444'], ['NAME']));
    expect(filtered.accounts[0]!.pushAccountReceipt).toBeDefined();
    // Claiming support the requestor does not have sends the e-mail too, and the simulated MDES refuses it.
    await expect(client.push(input(SIGNED, ['5555555555554444'], ['NAME', 'EMAIL_ADDRESS']))).rejects.toMatchObject({
      status: 502,
      code: 'UPSTREAM_ERROR',
      message: expect.stringContaining('INVALID_FIELD_VALUE'),
    });
  });

  it('encrypts for the certificate it is given: a payload for another key is refused by MDES (CRYPTOGRAPHY_ERROR)', async () => {
    const other = generateEncryptionKeyPair('not mastercard');
    const client = createPushAccountsClient({
      transport: clientFor(simulator, signer),
      encrypter: createPayloadEncrypter({ certificatePem: other.certificatePem, oaepDigest: 'SHA512' }),
    });
    await expect(client.push(input(UNSIGNED, ['5555555555554444']))).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('CRYPTOGRAPHY_ERROR') });
  });

  it('the request body carries no card number in clear', async () => {
    let seen = '';
    const client = createPushAccountsClient({
      transport: {
        pushMultipleAccounts: async (body) => {
          seen = JSON.stringify(body);
          return clientFor(simulator, signer).pushMultipleAccounts(body);
        },
      },
      encrypter: createPayloadEncrypter({ certificatePem: simulator.push.encryptionCertificatePem, oaepDigest: 'SHA256' }),
    });
    const result = await client.push(input(UNSIGNED, ['5555555555554444']));
    expect(result.accounts[0]!.pushAccountReceipt).toBeDefined();
    expect(seen).not.toContain('5555555555554444');
    expect(seen).not.toContain('Alex');
    expect(JSON.parse(seen)).toMatchObject({
      tokenRequestorId: UNSIGNED,
      pushFundingAccounts: { encryptedPayload: { oaepHashingAlgorithm: 'SHA256', iv: expect.stringMatching(/^[0-9a-f]{32}$/) } },
      signatureData: { accountHolderDataSupplied: false, locale: 'en_US', callbackURL: 'https://issuer.example/back' },
      pushAccountReceiptsValidityPeriod: 15,
    });
  });

  it('maps both MDES error shapes: the API shape to UPSTREAM_ERROR with its reason, the gateway 401 to UPSTREAM_AUTH_FAILED', async () => {
    const { client } = pushClient();
    simulator.faults.inject(PUSH_ACCOUNTS_TARGET, {
      kind: 'status',
      status: 400,
      body: { errorCode: 'INVALID_FIELD_VALUE', errorDescription: 'tokenRequestorId', errors: [{ source: 'INPUT', reasonCode: 'INVALID_FIELD_VALUE' }] },
    }, 1);
    await expect(client.push(input(UNSIGNED, ['5555555555554444']))).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_ERROR', message: expect.stringContaining('INVALID_FIELD_VALUE') });
    const wrongKey = createOAuthSigner({ consumerKey: 'push-test-consumer', signingKeyPem: generateTestKeyPair().privateKeyPem });
    const rejected = createPushAccountsClient({
      transport: clientFor(simulator, wrongKey),
      encrypter: createPayloadEncrypter({ certificatePem: simulator.push.encryptionCertificatePem, oaepDigest: 'SHA512' }),
    });
    await expect(rejected.push(input(UNSIGNED, ['5555555555554444']))).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_AUTH_FAILED' });
  });

  it('never repeats a push MDES may have acted on: a 5xx, a reset and a timeout are each one attempt', async () => {
    // A 2 s attempt: the 503 and the reset are answered well within it on a loaded machine (at 300 ms they could time
    // out instead, or the timed-out request not reach the simulator at all); the latency is far beyond it.
    for (const fault of [{ kind: 'status', status: 503 }, { kind: 'reset' }, { kind: 'latency', ms: 20_000 }] as const) {
      simulator.resetCounts();
      simulator.faults.inject(PUSH_ACCOUNTS_TARGET, fault, 1);
      const { client, transport } = pushClient({ timeoutMs: 2000 });
      const error = await client.push(input(UNSIGNED, ['5555555555554444'])).catch((e: unknown) => e);
      expect(error, fault.kind).toMatchObject({ code: fault.kind === 'latency' ? 'UPSTREAM_TIMEOUT' : fault.kind === 'reset' ? 'UPSTREAM_UNREACHABLE' : 'UPSTREAM_ERROR' });
      expect(simulator.counts().pushAccounts, fault.kind).toBe(1);
      expect(transport.stats().retries, fault.kind).toBe(0);
    }
  });

  it('repeats a push only after failures that prove MDES never got it: 429 from the gateway, connection refused', async () => {
    simulator.faults.inject(PUSH_ACCOUNTS_TARGET, { kind: '429', retryAfterSeconds: 0 }, 1);
    const { client, transport } = pushClient();
    const result = await client.push(input(UNSIGNED, ['5555555555554444']));
    expect(result.accounts[0]!.pushAccountReceipt).toBeDefined();
    expect(transport.stats().retries).toBe(1);

    // Nothing listens there (a port released by a listener of ours could be taken by another test file meanwhile).
    const refused = createHttpAssetSource({ baseUrl: `http://127.0.0.1:${REFUSED_PORT}/mdes`, ...TEST_PATHS, timeoutMs: 500, signer, backoffBaseMs: 5 });
    const encrypter = createPayloadEncrypter({ certificatePem: simulator.push.encryptionCertificatePem, oaepDigest: 'SHA512' });
    await expect(createPushAccountsClient({ transport: refused, encrypter }).push(input(UNSIGNED, ['5555555555554444']))).rejects.toMatchObject({
      code: 'UPSTREAM_UNREACHABLE',
    });
    expect(refused.stats().retries).toBe(2);
  });

  it('refuses an answer of the wrong shape as 502 UPSTREAM_BODY_INVALID', async () => {
    simulator.faults.inject(PUSH_ACCOUNTS_TARGET, { kind: 'invalid-json' }, 1);
    const { client } = pushClient();
    await expect(client.push(input(UNSIGNED, ['5555555555554444']))).rejects.toMatchObject({ code: 'UPSTREAM_BODY_INVALID' });
    const odd = createPushAccountsClient({
      transport: { pushMultipleAccounts: async () => ({ pushAccountReceipts: [{ pushAccountId: 'CA-1', pushAccountReceipt: 'bad receipt <script>' }] }) },
      encrypter: createPayloadEncrypter({ certificatePem: simulator.push.encryptionCertificatePem, oaepDigest: 'SHA512' }),
    });
    await expect(odd.push(input(UNSIGNED, ['5555555555554444']))).rejects.toMatchObject({ status: 502, code: 'UPSTREAM_BODY_INVALID' });
  });

  it('the simulator refuses several cards for a requestor that takes one', async () => {
    const { client } = pushClient();
    await expect(client.push(input(SINGLE, ['5555555555554444', '2223003122003222']))).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    const one = await client.push(input(SINGLE, ['5555555555554444'], ['NAME', 'EMAIL_ADDRESS', 'MOBILE_PHONE_NUMBER']));
    expect(one.accounts[0]!.pushAccountReceipt).toBeDefined();
    expect(one.accountHolderDataSupplied).toBe(true);
  });
});
