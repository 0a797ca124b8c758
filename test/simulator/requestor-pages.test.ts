import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_SAMPLES_DIR } from '../../src/config.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { createPayloadEncrypter } from '../../src/upstream/field-level-encryption.ts';
import { createEphemeralSimulatorSigner } from '../../src/upstream/oauth-signer.ts';
import { createHttpAssetSource } from '../../src/upstream/http-asset-source.ts';
import { createPushAccountsClient } from '../../src/upstream/push-multiple-accounts.ts';
import { signedRedirectUrl, unsignedRedirectUrl } from '../../src/service/push-provisioning/redirect-url.ts';
import { SIMULATOR_PATHS } from '../../src/simulator/simulator-server.ts';

const TAILSPIN = '50110030271';
const WINGTIP = '50110030272';
const CALLBACK = 'https://issuer.example/back?from=wallet';
let simulator: RunningSimulator;
let client: ReturnType<typeof createPushAccountsClient>;

beforeAll(async () => {
  const ephemeral = createEphemeralSimulatorSigner();
  simulator = await startSimulator({ assetDir: BUNDLED_SAMPLES_DIR, verifyKeyPem: ephemeral.publicKeyPem });
  const transport = createHttpAssetSource({ baseUrl: simulator.baseUrl, ...SIMULATOR_PATHS, timeoutMs: 2000, signer: ephemeral.signer });
  client = createPushAccountsClient({ transport, encrypter: createPayloadEncrypter({ certificatePem: simulator.push.encryptionCertificatePem, oaepDigest: 'SHA512' }) });
});
afterAll(async () => {
  await simulator?.close();
});

async function receipts(tokenRequestorId: string, numbers: string[]) {
  const result = await client.push({
    tokenRequestorId,
    accounts: numbers.map((accountNumber) => ({ accountNumber, expiryMonth: '12', expiryYear: '39' })),
    signatureData: { callbackURL: CALLBACK, completeIssuerAppActivation: false, completeWebsiteActivation: false, locale: 'en_US' },
    supportedAccountHolderData: [],
  });
  return result;
}
const pushUri = (id: string) => `${simulator.origin}/requestors/${id}/push`;
const unsignedUrl = (id: string, list: string[], callbackURL = CALLBACK) =>
  unsignedRedirectUrl({ uri: pushUri(id), receipts: list, callbackURL, locale: 'en_US', completeIssuerAppActivation: false, completeWebsiteActivation: false, accountHolderDataSupplied: false });
const pageText = async (url: string) => {
  const response = await fetch(url);
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  return response.text();
};
const complete = (id: string, form: Record<string, string>) =>
  fetch(`${simulator.origin}/requestors/${id}/push/complete`, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });

describe('simulated requestor pages', () => {
  it('token-requestors.json is served with the simulator origin in place of {SIMULATOR_ORIGIN}', async () => {
    const result = await receipts(WINGTIP, ['5555555555554444']);
    expect(result.availablePushMethods.find((m) => m.type === 'WEB')?.uri).toBe(`${simulator.origin}/requestors/${WINGTIP}/push?flow=issuer`);
  });

  it('a verified signed push: approve returns to callbackURL with results[<receipt>]=APPROVED|<ref>, URL-encoded and &-joined', async () => {
    const result = await receipts(TAILSPIN, ['5555555555554444', '2223003122003222']);
    const page = await pageText(signedRedirectUrl({ uri: pushUri(TAILSPIN), signature: result.signature!, locale: 'en_US' }));
    expect(page).toContain('Signature verified');
    const [r1, r2] = result.accounts.map((a) => a.pushAccountReceipt!);
    const back = await complete(TAILSPIN, { receipts: `${r1},${r2}`, callbackURL: CALLBACK, action: 'approve', [`result:${r2}`]: 'DECLINED' });
    expect(back.status).toBe(303);
    const location = back.headers.get('location')!;
    expect(location).toMatch(
      new RegExp(`^https://issuer\\.example/back\\?from=wallet&results%5B${r1}%5D=APPROVED%7CDWSPMC[0-9A-F]{32}&results%5B${r2}%5D=DECLINED%7C$`),
    );
    // A receipt reports once.
    expect((await complete(TAILSPIN, { receipts: r1!, callbackURL: CALLBACK, action: 'approve' })).status).toBe(400);
  });

  it('cancel reports CANCELLED for every receipt', async () => {
    const result = await receipts(WINGTIP, ['5555555555554444']);
    const r1 = result.accounts[0]!.pushAccountReceipt!;
    expect(await pageText(unsignedUrl(WINGTIP, [r1]))).toContain('id="check-ok"');
    const back = await complete(WINGTIP, { receipts: r1, callbackURL: CALLBACK, action: 'cancel' });
    expect(back.headers.get('location')).toBe(`${CALLBACK}&results%5B${r1}%5D=CANCELLED%7C`);
  });

  it('refuses what it was not sent properly: tampered JWS, unsigned data for a signing requestor, receipts of another requestor, unknown receipts, a javascript: callbackURL', async () => {
    const signed = await receipts(TAILSPIN, ['5555555555554444']);
    const parts = signed.signature!.split('.');
    const forged = Buffer.from(JSON.stringify({ pushAccountReceipts: ['MCC-FORGED'], callbackURL: CALLBACK, exp: 9_999_999_999 })).toString('base64url');
    expect(await pageText(signedRedirectUrl({ uri: pushUri(TAILSPIN), signature: `${parts[0]}.${forged}.${parts[2]}`, locale: 'en_US' }))).toContain('does not verify');
    expect(await pageText(unsignedUrl(TAILSPIN, [signed.accounts[0]!.pushAccountReceipt!]))).toContain('only accepts signed');
    const wingtip = (await receipts(WINGTIP, ['5555555555554444'])).accounts[0]!.pushAccountReceipt!;
    expect(await pageText(unsignedUrl('50110030273', [wingtip]))).toContain('was not issued for');
    expect(await pageText(unsignedUrl(WINGTIP, ['MCC-NEVER-ISSUED']))).toContain('was not issued for');
    expect(await pageText(unsignedUrl(WINGTIP, [wingtip], 'javascript:alert(1)'))).toContain('callbackURL is missing or not a URL');
    expect((await complete(WINGTIP, { receipts: wingtip, callbackURL: 'javascript:alert(1)', action: 'approve' })).status).toBe(400);
  });

  it('the wallet home starts a pull at the issuer; the issuer’s return lands on the push page', async () => {
    const home = await pageText(`${simulator.origin}/requestors/${TAILSPIN}?issuer=${encodeURIComponent('https://issuer.example/app')}`);
    expect(home).toMatch(/href="https:\/\/issuer\.example\/app\?trid=50110030271&amp;sessionId=[0-9a-f-]{36}&amp;locale=en_US&amp;userInterface=WEB"/);
    expect(await pageText(`${pushUri(TAILSPIN)}?status=ERROR&errDescription=AUTH_FAILED&sessionId=s-9`)).toMatch(/issuer returned <strong>ERROR<\/strong> \(AUTH_FAILED\)/);
    expect((await fetch(`${simulator.origin}/requestors/50110039999/push`)).status).toBe(404);
  });
});
