import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_SAMPLES_DIR } from '../../../src/config.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/simulator-server.ts';
import { verifyCompactJws } from '../../../src/simulator/compact-jws.ts';
import { startService, type RunningService } from '../../support/start-service.ts';
import { generateTestKeyPair, writeKeyFiles } from '../../support/test-keys.ts';
import { startTestService, type TestService } from '../service-harness.ts';

const TAILSPIN = '50110030271'; // signed, multiple, WEB + ANDROID
const WINGTIP = '50110030272'; // unsigned, multiple, IOS + WEB (WEB uri has ?flow=issuer)
const ADATUM = '50110030273'; // unsigned, one card at a time, WEB
const PROSEWARE = '50110030274'; // signed, Click to Pay-like
const ALPINE = '50110030275'; // IOS app only
const TOKEN = 'test-token-0123456789abcdef';

let service: TestService;
let callbackURL: string;

beforeAll(async () => {
  service = await startTestService(BUNDLED_SAMPLES_DIR);
  callbackURL = `${service.baseUrl}/?pushReturn=1`;
});
afterAll(async () => {
  await service?.close();
});

const account = (accountNumber: string, extra: object = {}) => ({ accountNumber, expiryMonth: '12', expiryYear: '39', ...extra });
const pushBody = (extra: object = {}) => ({
  tokenRequestorId: TAILSPIN,
  pushMethod: 'WEB',
  accounts: [account('5555555555554444')],
  callbackURL,
  locale: 'en_US',
  ...extra,
});

async function post(base: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/v1/push-provisioning`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
async function get(base: string, pathAndQuery: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${pathAndQuery}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** Every 8 digits in a row that `value` holds as JSON (card numbers, requestor IDs), each window of a longer run too. */
function eightDigitRunsOf(value: unknown): string[] {
  const runs = JSON.stringify(value).match(/\d{8,}/g) ?? [];
  return [...new Set(runs.flatMap((run) => Array.from({ length: run.length - 7 }, (_, at) => run.slice(at, at + 8))))];
}

function lastMonth(): { expiryMonth: string; expiryYear: string } {
  const now = new Date();
  const month = now.getUTCMonth() === 0 ? 12 : now.getUTCMonth();
  const year = now.getUTCMonth() === 0 ? now.getUTCFullYear() - 1 : now.getUTCFullYear();
  return { expiryMonth: String(month).padStart(2, '0'), expiryYear: String(year % 100).padStart(2, '0') };
}

describe('POST /v1/push-provisioning: validation before MDES is called', () => {
  const cases: Array<[string, object, string]> = [
    ['a Luhn-invalid number', { accounts: [account('5555555555554445')] }, 'INVALID_ACCOUNT_NUMBER'],
    ['8 digits', { accounts: [account('55555554')] }, 'INVALID_ACCOUNT_NUMBER'],
    ['20 digits', { accounts: [account('55555555555544440000')] }, 'INVALID_ACCOUNT_NUMBER'],
    ['spaces in the number', { accounts: [account('5555 5555 5555 4444')] }, 'INVALID_ACCOUNT_NUMBER'],
    ['a number as a JSON number', { accounts: [account(5555555555554444 as unknown as string)] }, 'INVALID_ACCOUNT_NUMBER'],
    ['no account number', { accounts: [{ expiryMonth: '12', expiryYear: '39' }] }, 'INVALID_ACCOUNT_NUMBER'],
    ['an expiry last month', { accounts: [account('5555555555554444', lastMonth())] }, 'CARD_EXPIRED'],
    ['an expiry years ago', { accounts: [account('5555555555554444', { expiryYear: '20' })] }, 'CARD_EXPIRED'],
    ['a malformed expiry month', { accounts: [account('5555555555554444', { expiryMonth: '13' })] }, 'INVALID_REQUEST'],
    ['no accounts', { accounts: [] }, 'INVALID_REQUEST'],
    ['six accounts', { accounts: Array.from({ length: 6 }, () => account('5555555555554444')) }, 'TOO_MANY_ACCOUNTS'],
    ['two accounts for a one-card requestor', { tokenRequestorId: ADATUM, accounts: [account('5555555555554444'), account('5105105105105100')] }, 'TOO_MANY_ACCOUNTS'],
    ['IOS where only WEB is offered', { tokenRequestorId: ADATUM, pushMethod: 'IOS' }, 'PUSH_METHOD_UNAVAILABLE'],
    ['WEB for an app-only requestor', { tokenRequestorId: ALPINE }, 'PUSH_METHOD_UNAVAILABLE'],
    ['ANDROID supported but with no uri', { tokenRequestorId: ALPINE, pushMethod: 'ANDROID' }, 'PUSH_METHOD_UNAVAILABLE'],
    ['an unknown push method', { pushMethod: 'BROWSER' }, 'PUSH_METHOD_UNAVAILABLE'],
    ['a javascript: callbackURL', { callbackURL: 'javascript:alert(document.cookie)' }, 'INVALID_CALLBACK_URL'],
    ['a data: callbackURL', { callbackURL: 'data:text/html,<script>alert(1)</script>' }, 'INVALID_CALLBACK_URL'],
    ['a file: callbackURL', { callbackURL: 'file:///etc/passwd' }, 'INVALID_CALLBACK_URL'],
    ['a relative callbackURL', { callbackURL: '/back' }, 'INVALID_CALLBACK_URL'],
    ['an http: callbackURL off loopback', { callbackURL: 'http://issuer.example/back' }, 'INVALID_CALLBACK_URL'],
    ['a 257-character callbackURL', { callbackURL: `https://issuer.example/${'a'.repeat(257 - 23)}` }, 'INVALID_CALLBACK_URL'],
    ['a locale with a hyphen', { locale: 'en-US' }, 'INVALID_LOCALE'],
    ['a locale in the wrong case', { locale: 'EN_us' }, 'INVALID_LOCALE'],
    ['an unknown requestor', { tokenRequestorId: '50110039999' }, 'UNKNOWN_TOKEN_REQUESTOR'],
    ['a malformed requestor ID', { tokenRequestorId: 'tailspin' }, 'UNKNOWN_TOKEN_REQUESTOR'],
    ['an unknown field', { cvc: '123' }, 'INVALID_REQUEST'],
  ];

  it.each(cases)('refuses %s with 400 and the code', async (_name, change, code) => {
    service.simulator.resetCounts();
    const body = pushBody(change);
    const answer = await post(service.baseUrl, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(code);
    // Nothing but the code and a message, and no 8 digits in a row of what was sent (a card number or a requestor
    // ID, whole or in part) comes back in it.
    expect(Object.keys(answer.body)).toEqual(['error']);
    expect(Object.keys(answer.body.error).sort()).toEqual(['code', 'message']);
    const echoed = JSON.stringify(answer.body);
    expect(eightDigitRunsOf(body).filter((digits) => echoed.includes(digits))).toEqual([]);
    expect(service.simulator.counts().pushAccounts ?? 0).toBe(0);
  });

  it('accepts a 256-character callbackURL and an app-scheme callbackURL', async () => {
    const long = `https://issuer.example/${'a'.repeat(256 - 23)}`;
    expect(long).toHaveLength(256);
    expect((await post(service.baseUrl, pushBody({ callbackURL: long }))).status).toBe(200);
    expect((await post(service.baseUrl, pushBody({ callbackURL: 'mybank://cards/return' }))).status).toBe(200);
  });

  it('refuses a body that is not JSON, with no call to MDES', async () => {
    service.simulator.resetCounts();
    const response = await fetch(`${service.baseUrl}/v1/push-provisioning`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"accounts":[' });
    expect(response.status).toBe(400);
    expect(service.simulator.counts().pushAccounts ?? 0).toBe(0);
  });
});

describe('POST /v1/push-provisioning: receipts and redirect URLs', () => {
  it('signed requestor: uri?pushAccountData=<JWS>&locale=…, pushed and ineligible lists, expiresAt in 15 minutes', async () => {
    const before = Date.now();
    const answer = await post(service.baseUrl, pushBody({ accounts: [account('5555555555554444'), account('5454545454545454')], locale: 'de_DE' }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const { redirectUrl, signed, pushed, ineligible, expiresAt } = answer.body;
    expect(signed).toBe(true);
    expect(pushed).toEqual([{ pushAccountId: expect.stringMatching(/^CA-[0-9a-f]{32}$/), accountPanSuffix: '4444', pushAccountReceipt: expect.stringMatching(/^MCC-/) }]);
    expect(ineligible).toEqual([{ pushAccountId: expect.stringMatching(/^CA-/), accountPanSuffix: '5454', reasonCode: 'ACCOUNT_INELIGIBLE', description: expect.any(String) }]);
    const match = /^(.*)\?pushAccountData=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)&locale=de_DE$/.exec(redirectUrl);
    expect(match?.[1]).toBe(`${service.simulator.origin}/requestors/${TAILSPIN}/push`);
    const payload = verifyCompactJws(match![2]!, service.simulator.push.jwsKey.publicJwk) as Record<string, unknown>;
    expect(payload).toMatchObject({ pushAccountReceipts: [pushed[0].pushAccountReceipt], callbackURL, locale: 'de_DE' });
    const expires = Date.parse(expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 15 * 60_000 + 1000);
  });

  it('signed Click to Pay-like requestor with extFlow: …&locale=…&extFlow=true', async () => {
    const answer = await post(service.baseUrl, pushBody({ tokenRequestorId: PROSEWARE, extFlow: true }));
    expect(answer.body.signed).toBe(true);
    expect(answer.body.redirectUrl).toMatch(new RegExp(`^${service.simulator.origin}/requestors/${PROSEWARE}/push\\?pushAccountData=[^&]+&locale=en_US&extFlow=true$`));
  });

  it('unsigned requestor whose uri has a query: &pushAccountReceipts=R1,R2&callbackURL=…&… in the fixed order', async () => {
    const answer = await post(service.baseUrl, pushBody({
      tokenRequestorId: WINGTIP,
      accounts: [account('5555555555554444', { accountHolderData: { accountHolderName: 'Alex Example' } }), account('2223003122003222'), account('5105105105105100')],
      completeWebsiteActivation: true,
      extFlow: true,
    }));
    expect(answer.status).toBe(200);
    const { pushed, ineligible, signed, redirectUrl } = answer.body;
    expect(signed).toBe(false);
    expect(pushed.map((p: { accountPanSuffix: string }) => p.accountPanSuffix)).toEqual(['4444', '3222']);
    expect(ineligible.map((p: { accountPanSuffix: string }) => p.accountPanSuffix)).toEqual(['5100']);
    const receipts = pushed.map((p: { pushAccountReceipt: string }) => p.pushAccountReceipt).join(',');
    expect(redirectUrl).toBe(
      `${service.simulator.origin}/requestors/${WINGTIP}/push?flow=issuer&pushAccountReceipts=${receipts}&callbackURL=${encodeURIComponent(callbackURL)}&locale=en_US&completeIssuerAppActivation=false&completeWebsiteActivation=true&accountHolderDataSupplied=true&extFlow=true`,
    );
  });

  it('accountHolderDataSupplied=false when the requestor takes no holder data, even if the issuer has some', async () => {
    const answer = await post(service.baseUrl, pushBody({ tokenRequestorId: ADATUM, accounts: [account('5555555555554444', { accountHolderData: { accountHolderName: 'Alex Example' } })] }));
    expect(answer.body.redirectUrl).toContain('&accountHolderDataSupplied=false');
  });

  it('no eligible card: 422 NO_ELIGIBLE_ACCOUNTS with the ineligible list inside error', async () => {
    const answer = await post(service.baseUrl, pushBody({ accounts: [account('5454545454545454')] }));
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'NO_ELIGIBLE_ACCOUNTS',
      message: expect.any(String),
      ineligible: [{ pushAccountId: expect.any(String), accountPanSuffix: '5454', reasonCode: 'ACCOUNT_INELIGIBLE', description: expect.any(String) }],
    });
  });
});

describe('GET /v1/push-provisioning/results', () => {
  it('gives each result with the card details known while the receipt is; unknown receipts without them', async () => {
    const pushed = (await post(service.baseUrl, pushBody({ tokenRequestorId: WINGTIP, accounts: [account('5555555555554444'), account('2223003122003222')] }))).body.pushed;
    const [r1, r2] = pushed.map((p: { pushAccountReceipt: string }) => p.pushAccountReceipt);
    const query = [
      `pushReturn=1`,
      `${encodeURIComponent(`results[${r1}]`)}=${encodeURIComponent('APPROVED|DWSPMC000000000001')}`,
      `${encodeURIComponent(`results[${r2}]`)}=${encodeURIComponent('REQUIRE_ADDITIONAL_AUTHENTICATION|DWSPMC000000000002')}`,
      `${encodeURIComponent('results[MCC-NOT-OURS]')}=${encodeURIComponent('DECLINED|')}`,
    ].join('&');
    const answer = await get(service.baseUrl, `/v1/push-provisioning/results?${query}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.body.results).toEqual([
      { pushAccountReceipt: r1, status: 'APPROVED', tokenUniqueReference: 'DWSPMC000000000001', accountPanSuffix: '4444', tokenRequestorId: WINGTIP },
      { pushAccountReceipt: r2, status: 'REQUIRE_ADDITIONAL_AUTHENTICATION', tokenUniqueReference: 'DWSPMC000000000002', accountPanSuffix: '3222', tokenRequestorId: WINGTIP },
      { pushAccountReceipt: 'MCC-NOT-OURS', status: 'DECLINED' },
    ]);
  });

  it.each(['', '?pushReturn=1', `?${encodeURIComponent('results[MCC-1]')}=MAYBE`, `?${encodeURIComponent('results[<x>]')}=APPROVED`])('refuses %s with 400 INVALID_RESULTS', async (query) => {
    const answer = await get(service.baseUrl, `/v1/push-provisioning/results${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('INVALID_RESULTS');
  });
});

describe('pull provisioning', () => {
  it('GET /v1/pull-provisioning names the requestor (with its logo URL) and echoes the session', async () => {
    const answer = await get(service.baseUrl, `/v1/pull-provisioning?trid=${TAILSPIN}&sessionId=sess-123&locale=en_US&userInterface=WEB`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      tokenRequestor: { tokenRequestorId: TAILSPIN, consumerFacingEntityName: 'Tailspin Pay', tokenRequestorType: 'WALLET', logoUrl: '/v1/token-requestor-assets/e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a51' },
      sessionId: 'sess-123',
      locale: 'en_US',
      userInterface: 'WEB',
    });
    const logo = await fetch(`${service.baseUrl}${answer.body.tokenRequestor.logoUrl}?format=png&size=96`);
    expect(logo.headers.get('content-type')).toBe('image/png');
  });

  it.each([
    [`trid=50110039999&sessionId=sess-123&locale=en_US&userInterface=WEB`, 404, 'UNKNOWN_TOKEN_REQUESTOR'],
    [`trid=abc&sessionId=sess-123&locale=en_US&userInterface=WEB`, 400, 'INVALID_REQUEST'],
    [`sessionId=sess-123&locale=en_US&userInterface=WEB`, 400, 'INVALID_REQUEST'],
    [`trid=${TAILSPIN}&locale=en_US&userInterface=WEB`, 400, 'INVALID_REQUEST'],
    [`trid=${TAILSPIN}&sessionId=sess-123&locale=english&userInterface=WEB`, 400, 'INVALID_LOCALE'],
    [`trid=${TAILSPIN}&sessionId=sess-123&locale=en_US&userInterface=TV`, 400, 'INVALID_REQUEST'],
    [`trid=${TAILSPIN}&sessionId=sess-123&locale=en_US&userInterface=IOS`, 400, 'PUSH_METHOD_UNAVAILABLE'],
  ])('GET /v1/pull-provisioning?%s → %i %s', async (query, status, code) => {
    const answer = await get(service.baseUrl, `/v1/pull-provisioning?${query}`);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });

  it('return-url: back to the requestor uri for that interface with status and sessionId', async () => {
    const cancelled = await get(service.baseUrl, `/v1/pull-provisioning/return-url?trid=${WINGTIP}&sessionId=s-1&userInterface=IOS&status=CANCELLED`);
    expect(cancelled.body).toEqual({ redirectUrl: 'wingtipwallet://push?status=CANCELLED&sessionId=s-1' });
    const failed = await get(service.baseUrl, `/v1/pull-provisioning/return-url?trid=${WINGTIP}&sessionId=s-1&userInterface=WEB&status=ERROR&errDescription=AUTH_FAILED`);
    expect(failed.body).toEqual({ redirectUrl: `${service.simulator.origin}/requestors/${WINGTIP}/push?flow=issuer&status=ERROR&errDescription=AUTH_FAILED&sessionId=s-1` });
    const noReason = await get(service.baseUrl, `/v1/pull-provisioning/return-url?trid=${WINGTIP}&sessionId=s-1&userInterface=WEB&status=ERROR`);
    expect(noReason.status).toBe(400);
    const wrongStatus = await get(service.baseUrl, `/v1/pull-provisioning/return-url?trid=${WINGTIP}&sessionId=s-1&userInterface=WEB&status=APPROVED`);
    expect(wrongStatus.status).toBe(400);
  });

  it('a push with the pull session carries tokenRequestorSessionId to the requestor', async () => {
    const answer = await post(service.baseUrl, pushBody({ tokenRequestorSessionId: 'sess-from-wallet' }));
    const jws = new URL(answer.body.redirectUrl).searchParams.get('pushAccountData')!;
    expect(verifyCompactJws(jws, service.simulator.push.jwsKey.publicJwk)).toMatchObject({ tokenRequestorSessionId: 'sess-from-wallet' });
  });
});

describe('bearer auth (API_TOKENS)', () => {
  let secured: TestService;
  beforeAll(async () => {
    secured = await startTestService(BUNDLED_SAMPLES_DIR, { API_TOKENS: `other-token-abcdefghijkl,${TOKEN}` });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it('refuses every provisioning endpoint without a valid token (401 + WWW-Authenticate), before MDES is called', async () => {
    secured.simulator.resetCounts();
    const checks = [
      () => post(secured.baseUrl, pushBody()),
      () => post(secured.baseUrl, pushBody(), { authorization: 'Bearer wrong-token-abcdefghijkl' }),
      () => get(secured.baseUrl, `/v1/push-provisioning/results?${encodeURIComponent('results[MCC-1]')}=APPROVED`),
      () => get(secured.baseUrl, `/v1/pull-provisioning?trid=${TAILSPIN}&sessionId=sess-1&locale=en_US&userInterface=WEB`),
      () => get(secured.baseUrl, `/v1/pull-provisioning/return-url?trid=${TAILSPIN}&sessionId=s&userInterface=WEB&status=CANCELLED`),
    ];
    for (const check of checks) {
      const answer = await check();
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('UNAUTHORIZED');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="card-art"/);
    }
    expect(secured.simulator.counts().pushAccounts ?? 0).toBe(0);
  });

  it('serves them with a valid token; other endpoints stay open', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await post(secured.baseUrl, pushBody(), auth)).status).toBe(200);
    expect((await get(secured.baseUrl, `/v1/pull-provisioning?trid=${TAILSPIN}&sessionId=sess-1&locale=en_US&userInterface=WEB`, auth)).status).toBe(200);
    expect((await fetch(`${secured.baseUrl}/healthz`)).status).toBe(200);
  });
});

describe('against a real-MDES configuration (MDES_BASE_URL pointing at a separate simulator)', () => {
  const keys = generateTestKeyPair();
  const keyFiles = writeKeyFiles(keys, 'pw');
  let simulator: RunningSimulator;
  let folder: string;
  let cacheDir: string;
  const running: RunningService[] = [];

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'card-art-real-push-'));
    cacheDir = mkdtempSync(path.join(tmpdir(), 'card-art-real-push-cache-'));
    writeFileSync(
      path.join(folder, 'token-requestors.json'),
      JSON.stringify({
        tokenRequestors: [
          {
            tokenRequestorId: '50110030291',
            name: 'Real Wallet',
            consumerFacingEntityName: 'Real Wallet',
            imageAssetId: 'logo',
            tokenRequestorType: 'WALLET',
            enabledAccountRanges: ['555555555'],
            supportsMultiplePushedCards: true,
            supportedAccountHolderData: [],
            supportedPushMethods: ['WEB'],
            availablePushMethods: [{ type: 'WEB', uri: 'https://wallet.example/push' }],
          },
        ],
      }),
    );
    simulator = await startSimulator({ assetDir: folder, verifyKeyPem: keys.publicKeyPem });
    writeFileSync(path.join(keyFiles.dir, 'mastercard.pem'), simulator.push.encryptionCertificatePem);
  });
  afterAll(async () => {
    for (const service of running) await service.close();
    await simulator?.close();
    keyFiles.remove();
    rmSync(folder, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  const realEnv = (extra: Record<string, string>) => ({
    MDES_BASE_URL: simulator.baseUrl,
    MDES_CONSUMER_KEY: 'real-mode-consumer',
    MDES_SIGNING_KEY: keyFiles.pemPath,
    ISSUER_ACCOUNT_RANGES: '555555555',
    CACHE_DIR: cacheDir,
    ...extra,
  });

  it('without MDES_ENCRYPTION_CERT the push endpoint answers 501 NOT_CONFIGURED (pull still works)', async () => {
    const service = await startService(realEnv({}));
    running.push(service);
    const answer = await post(service.baseUrl, pushBody({ tokenRequestorId: '50110030291', callbackURL: 'https://issuer.example/back' }));
    expect(answer.status).toBe(501);
    expect(answer.body.error.code).toBe('NOT_CONFIGURED');
    expect(simulator.counts().pushAccounts ?? 0).toBe(0);
    const pull = await get(service.baseUrl, '/v1/pull-provisioning?trid=50110030291&sessionId=s-1&locale=en_US&userInterface=WEB');
    expect(pull.body.tokenRequestor.consumerFacingEntityName).toBe('Real Wallet');
  });

  it('with the certificate and API_TOKENS it pushes; http: on loopback is not a callbackURL there', async () => {
    const service = await startService(realEnv({ MDES_ENCRYPTION_CERT: path.join(keyFiles.dir, 'mastercard.pem'), API_TOKENS: TOKEN }));
    running.push(service);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const ok = await post(service.baseUrl, pushBody({ tokenRequestorId: '50110030291', callbackURL: 'https://issuer.example/back' }), auth);
    expect(ok.status).toBe(200);
    expect(ok.body.redirectUrl).toMatch(/^https:\/\/wallet\.example\/push\?pushAccountReceipts=MCC-[0-9A-F-]{36}&callbackURL=https%3A%2F%2Fissuer\.example%2Fback&/);
    const loopback = await post(service.baseUrl, pushBody({ tokenRequestorId: '50110030291', callbackURL: 'http://127.0.0.1:8080/' }), auth);
    expect(loopback.body.error.code).toBe('INVALID_CALLBACK_URL');
    expect((await post(service.baseUrl, pushBody({ tokenRequestorId: '50110030291' }))).status).toBe(401);
  });
});
