/**
 * Conformance: good and bad requests to every operation over HTTP, each answer checked against the generated
 * /openapi.json with ajv (JSON Schema 2020-12): the status is documented, the content type is listed, a JSON body
 * matches its schema, required headers are there, and a request the document calls invalid never gets a 2xx/3xx.
 * Validity of a request is decided from the document itself (its parameter and body schemas), not by this test.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NTU_SEND_PATH, type NtuSender } from '../../../src/simulator/ntu-sender.ts';
import { rawRequest, type RawResponse } from '../../hardening/harness.ts';
import { CARD, makeServiceFixtures, MERCHANT_RANGE, WALLET_RANGE, type ServiceFixtures } from '../service-fixtures.ts';
import { startTestService, type TestService } from '../service-harness.ts';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Record<string, unknown>;
}
interface MediaType {
  schema?: Record<string, unknown>;
}
interface ResponseObject {
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, MediaType>;
}
interface OperationObject {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject>;
}
interface Document {
  paths: Record<string, Record<string, OperationObject>>;
}

interface Case {
  operationId: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

const json = { 'content-type': 'application/json' };
/** The fixture's WEB requestor and a Luhn-valid test number inside its account range (222300001…). */
const MERCHANT_REQUESTOR = '50110030274';
const PUSH_CARD = '2223000010000013';
let CALLBACK = '';
const card = new URLSearchParams(CARD).toString();

/** Good and bad requests per operation; which are valid is the document's call, made below. */
function cases(): Case[] {
  const get = (operationId: string, path: string, headers?: Record<string, string>): Case => ({ operationId, method: 'GET', path, ...(headers ? { headers } : {}) });
  const post = (operationId: string, path: string, body: string, headers: Record<string, string> = json): Case => ({ operationId, method: 'POST', path, body, headers });
  const brokenJson = (operationId: string, path: string): Case => ({ operationId, method: 'GET', path, body: '{"x":', headers: json });
  const postCard = (body: unknown) => post('postCardArt', '/v1/card-art', JSON.stringify(body));
  const prewarm = (body: unknown) => post('prewarmProductConfigs', '/v1/product-configs', JSON.stringify(body));
  const postPush = (body: unknown) => post('pushProvisioning', '/v1/push-provisioning', JSON.stringify(body));
  return [
    // getCardArt
    get('getCardArt', `/v1/card-art?${card}`),
    get('getCardArt', `/v1/card-art?${card}&text=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%201234&width=384&format=webp`),
    get('getCardArt', `/v1/card-art?${card}&width=256`, { accept: 'image/avif,image/webp' }),
    get('getCardArt', `/v1/card-art?${card}&coBrandLogoAssetId=cobrand-shop&isCoBranded=true&width=128&foregroundColor=C00F00`),
    get('getCardArt', '/v1/card-art?cardBackgroundCombinedAssetId=combined-card&width=128&isCoBranded=false'),
    get('getCardArt', `/v1/card-art?${card}&foregroundColor=%23ffffff`),
    get('getCardArt', `/v1/card-art?${card}&isCoBranded=TRUE`),
    get('getCardArt', `/v1/card-art?${card}&isCoBranded=maybe`),
    get('getCardArt', `/v1/card-art?${card}&foregroundColor=fff`),
    get('getCardArt', `/v1/card-art?${card}&width=500`),
    get('getCardArt', `/v1/card-art?${card}&width=%201536`),
    get('getCardArt', `/v1/card-art?${card}&width=1e3`),
    get('getCardArt', `/v1/card-art?${card}&width=`),
    get('getCardArt', `/v1/card-art?${card}&width=384&width=768`),
    get('getCardArt', `/v1/card-art?${card}&format=gif`),
    get('getCardArt', `/v1/card-art?${card}&format=`),
    get('getCardArt', `/v1/card-art?${card}&text=${'9'.repeat(40)}`),
    get('getCardArt', '/v1/card-art?cardBackgroundAssetId=..%2F..%2Fetc%2Fpasswd'),
    get('getCardArt', '/v1/card-art?cardBackgroundAssetId='),
    get('getCardArt', '/v1/card-art?cardBackgroundAssetId=does-not-exist&width=128'),
    get('getCardArt', '/v1/card-art?issuerLogoAssetId=issuer-bank'),
    get('getCardArt', '/v1/card-art'),
    // postCardArt
    postCard({ productConfig: CARD, width: 384, format: 'png' }),
    postCard({ productConfig: { ...CARD, foregroundColor: 'ffffff', isCoBranded: false, shortDescription: 'extra fields are fine' }, text: '•••• 1234', width: 128 }),
    postCard({ productConfig: { cardBackgroundCombinedAssetId: 'combined-card', issuerLogoAssetId: null }, width: 128, format: 'webp' }),
    postCard({ productConfig: { ...CARD, foregroundColor: '#ffffff' }, width: 128 }),
    postCard({ productConfig: { ...CARD, isCoBranded: 'TRUE' }, width: 128 }),
    postCard({ productConfig: CARD, width: '384' }),
    postCard({ productConfig: CARD, width: 1000 }),
    postCard({ productConfig: CARD, format: 'gif' }),
    postCard({ productConfig: CARD, text: { a: 1 } }),
    postCard({ productConfig: { issuerLogoAssetId: 'issuer-bank' } }),
    postCard({ productConfig: null }),
    postCard({ productConfig: [] }),
    postCard({ text: 'hi' }),
    postCard([1, 2, 3]),
    post('postCardArt', '/v1/card-art', '{"productConfig":'),
    post('postCardArt', '/v1/card-art', JSON.stringify({ productConfig: CARD, padding: 'x'.repeat(70 * 1024) })),
    post('postCardArt', '/v1/card-art', JSON.stringify({ productConfig: CARD }), { 'content-type': 'text/plain' }),
    post('postCardArt', '/v1/card-art', '{"productConfig":{}}', { 'content-type': 'application/json; charset=utf-7' }),
    // getAsset
    get('getAsset', '/v1/assets/issuer-bank?width=384&format=png'),
    get('getAsset', '/v1/assets/brand-circles', { accept: 'image/webp' }),
    get('getAsset', '/v1/assets/no-such-asset'),
    get('getAsset', '/v1/assets/bad%20id'),
    get('getAsset', `/v1/assets/${'a'.repeat(65)}`),
    get('getAsset', '/v1/assets/%E0%A4%A'),
    get('getAsset', '/v1/assets/issuer-bank?width=7'),
    get('getAsset', '/v1/assets/issuer-bank?format=jpeg'),
    // listTokenRequestors
    get('listTokenRequestors', `/v1/token-requestors?accountRanges=${WALLET_RANGE},${MERCHANT_RANGE}`),
    get('listTokenRequestors', `/v1/token-requestors?accountRanges=${WALLET_RANGE}`),
    get('listTokenRequestors', '/v1/token-requestors'),
    get('listTokenRequestors', '/v1/token-requestors?accountRanges='),
    get('listTokenRequestors', '/v1/token-requestors?accountRanges=abc'),
    get('listTokenRequestors', '/v1/token-requestors?accountRanges=12345678'),
    get('listTokenRequestors', `/v1/token-requestors?accountRanges=${Array.from({ length: 26 }, (_, i) => String(500000000 + i)).join(',')}`),
    // getTokenRequestorAsset
    get('getTokenRequestorAsset', '/v1/token-requestor-assets/logo-wallet'),
    get('getTokenRequestorAsset', '/v1/token-requestor-assets/logo-wallet?format=png&size=48'),
    get('getTokenRequestorAsset', '/v1/token-requestor-assets/logo-wallet?format=svg'),
    get('getTokenRequestorAsset', '/v1/token-requestor-assets/logo-merchant?format=svg'),
    get('getTokenRequestorAsset', '/v1/token-requestor-assets/logo-unsafe?format=svg'),
    get('getTokenRequestorAsset', '/v1/token-requestor-assets/logo-wallet?size=100'),
    get('getTokenRequestorAsset', '/v1/token-requestor-assets/logo-wallet?format=gif'),
    get('getTokenRequestorAsset', '/v1/token-requestor-assets/..%2F..%2Fetc%2Fpasswd'),
    // prewarmProductConfigs
    prewarm(CARD),
    prewarm([CARD, { cardBackgroundCombinedAssetId: 'combined-card', iconAssetId: 'logo-merchant' }]),
    prewarm([{ cardBackgroundAssetId: 'ok' }, { cardBackgroundAssetId: 'no way' }]),
    prewarm(Array(101).fill({ cardBackgroundAssetId: 'bg-blue' })),
    prewarm([]),
    prewarm('productConfig'),
    prewarm({ brandLogoAssetId: 'brand-circles' }),
    post('prewarmProductConfigs', '/v1/product-configs', '{{{'),
    // tokens (open without API_TOKENS in embedded mode)
    post('postToken', '/v1/tokens', JSON.stringify({ tokenUniqueReference: 'CONFORMANCE-1', status: 'ACTIVE', productConfig: CARD, tokenInfo: { accountPanSuffix: '4242' } })),
    post('postToken', '/v1/tokens', JSON.stringify({ tokenUniqueReference: 'CONFORMANCE-1', status: 'SUSPENDED', productConfig: CARD, statusTimestamp: '2020-01-01T00:00:00Z' })),
    post('postToken', '/v1/tokens', JSON.stringify({ tokenUniqueReference: 'CONFORMANCE-2', status: 'WHATEVER', productConfig: CARD })),
    post('postToken', '/v1/tokens', JSON.stringify({ tokenUniqueReference: 'CONFORMANCE-2', status: 'ACTIVE', productConfig: CARD, tokenInfo: { accountPanSuffix: '5555444433332222' } })),
    post('postToken', '/v1/tokens', JSON.stringify({ tokenUniqueReference: 'CONFORMANCE-2', status: 'ACTIVE', productConfig: { ...CARD, foregroundColor: '#ffffff' } })),
    post('postToken', '/v1/tokens', '{"tokenUniqueReference":'),
    get('getToken', '/v1/tokens/CONFORMANCE-1'),
    get('getToken', '/v1/tokens/CONFORMANCE-404'),
    get('getToken', '/v1/tokens/bad%20ref'),
    get('getTokenCardArt', '/v1/tokens/CONFORMANCE-1/card-art?width=384&format=webp'),
    get('getTokenCardArt', '/v1/tokens/CONFORMANCE-1/card-art', { accept: 'text/html' }),
    get('getTokenCardArt', '/v1/tokens/CONFORMANCE-1/card-art?width=500'),
    get('getTokenCardArt', '/v1/tokens/CONFORMANCE-404/card-art'),
    // Notify Token Updated (MDES's error shape); the good one is added from the simulator's own encrypted send
    post('notifyTokenUpdated', '/digitization/1/0/notifyTokenUpdated', '{}'),
    post('notifyTokenUpdated', '/digitization/1/0/notifyTokenUpdated', '{"requestId":'),
    post('notifyTokenUpdatedStatic', '/digitization/static/1/0/notifyTokenUpdated', JSON.stringify({ requestId: 'r1', encryptedPayload: { encryptedData: 'zz', iv: '00', encryptedKey: '00' } })),
    post('notifyTokenUpdatedStatic', '/digitization/static/1/0/notifyTokenUpdated', 'requestId=1', { 'content-type': 'text/plain' }),
    // push and pull provisioning (open without API_TOKENS in embedded mode); card numbers are test numbers
    postPush({ tokenRequestorId: MERCHANT_REQUESTOR, pushMethod: 'WEB', accounts: [{ accountNumber: PUSH_CARD, expiryMonth: '12', expiryYear: '39' }], callbackURL: CALLBACK, locale: 'en_US' }),
    postPush({ tokenRequestorId: MERCHANT_REQUESTOR, pushMethod: 'WEB', accounts: [{ accountNumber: '2223000010000014', expiryMonth: '12', expiryYear: '39' }], callbackURL: CALLBACK, locale: 'en_US' }),
    postPush({ tokenRequestorId: MERCHANT_REQUESTOR, pushMethod: 'WEB', accounts: [{ accountNumber: PUSH_CARD, expiryMonth: '01', expiryYear: '20' }], callbackURL: CALLBACK, locale: 'en_US' }),
    postPush({ tokenRequestorId: MERCHANT_REQUESTOR, pushMethod: 'WEB', accounts: [{ accountNumber: PUSH_CARD, expiryMonth: '12', expiryYear: '39' }], callbackURL: 'javascript:alert(1)', locale: 'en_US' }),
    postPush({ tokenRequestorId: '50110039999', pushMethod: 'WEB', accounts: [{ accountNumber: PUSH_CARD, expiryMonth: '12', expiryYear: '39' }], callbackURL: CALLBACK, locale: 'en_US' }),
    postPush({ tokenRequestorId: MERCHANT_REQUESTOR, pushMethod: 'WEB', accounts: [], callbackURL: CALLBACK, locale: 'english' }),
    get('pushProvisioningResults', `/v1/push-provisioning/results?${encodeURIComponent('results[MCC-STL-0001]')}=${encodeURIComponent('APPROVED|DWSPMC000000000001')}`),
    get('pushProvisioningResults', '/v1/push-provisioning/results'),
    get('pushProvisioningResults', `/v1/push-provisioning/results?${encodeURIComponent('results[MCC-STL-0001]')}=MAYBE`),
    get('pullProvisioning', `/v1/pull-provisioning?trid=${MERCHANT_REQUESTOR}&sessionId=sess-123&locale=en_US&userInterface=WEB`),
    get('pullProvisioning', '/v1/pull-provisioning?trid=50110039999&sessionId=sess-123&locale=en_US&userInterface=WEB'),
    get('pullProvisioning', `/v1/pull-provisioning?trid=${MERCHANT_REQUESTOR}&sessionId=sess-123&locale=english&userInterface=WEB`),
    get('pullProvisioning', '/v1/pull-provisioning'),
    get('pullProvisioningReturnUrl', `/v1/pull-provisioning/return-url?trid=${MERCHANT_REQUESTOR}&sessionId=sess-123&userInterface=WEB&status=CANCELLED`),
    get('pullProvisioningReturnUrl', `/v1/pull-provisioning/return-url?trid=${MERCHANT_REQUESTOR}&sessionId=sess-123&userInterface=WEB&status=ERROR`),
    get('pullProvisioningReturnUrl', '/v1/pull-provisioning/return-url?trid=50110039999&sessionId=sess-123&userInterface=WEB&status=CANCELLED'),
    // operations and demo: good, and a request whose body cannot be parsed
    get('getHealth', '/healthz'),
    brokenJson('getHealth', '/healthz'),
    get('getReadiness', '/readyz'),
    brokenJson('getReadiness', '/readyz'),
    get('getMetrics', '/metrics'),
    brokenJson('getMetrics', '/metrics'),
    get('getDemoPage', '/'),
    brokenJson('getDemoPage', '/'),
  ];
}

/** An ETag of a good answer, sent back to get the 304 the document describes. */
function conditional(from: Case, etag: string): Case {
  return { ...from, headers: { ...from.headers, 'if-none-match': etag } };
}

let fixtures: ServiceFixtures;
let service: TestService;
let doc: Document;
// strictTypes and strictRequired are style checks; the anyOf-of-required form (a background is required) is plain 2020-12.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)));
// The document's own top-level fields: not schema keywords, so strict mode must be told about them.
ajv.addVocabulary(['openapi', 'info', 'servers', 'tags', 'security', 'paths', 'components']);

function pointer(...tokens: string[]): string {
  return tokens.map((token) => encodeURIComponent(token.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');
}

function validate(schemaPointer: string, value: unknown): string[] {
  const check = ajv.getSchema(`openapi.json#/${schemaPointer}`) ?? ajv.compile({ $ref: `openapi.json#/${schemaPointer}` });
  return check(value) ? [] : (check.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

function findOperation(operationId: string): { path: string; method: string; operation: OperationObject } {
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) if (operation.operationId === operationId) return { path, method, operation };
  }
  throw new Error(`no operation ${operationId} in the document`);
}

/** The value of a query or path string as the parameter schema types it (OpenAPI deserialization). */
function typed(raw: string, schema: Record<string, unknown>): unknown {
  const numeric = schema.type === 'number' || schema.type === 'integer' || (Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'number'));
  return numeric && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
}

/** Why the document calls this request invalid (empty: valid). */
function documentProblems(testCase: Case): string[] {
  const { path: template, method, operation } = findOperation(testCase.operationId);
  const problems: string[] = [];
  const [rawPath = '', search = ''] = testCase.path.split('?');
  const names: string[] = [];
  const templateRegex = new RegExp(`^${template.replace(/\{(\w+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'))}$`);
  const match = templateRegex.exec(rawPath);
  if (!match) return ['path does not match'];
  const query = new URLSearchParams(search);
  (operation.parameters ?? []).forEach((parameter, index) => {
    const at = pointer('paths', template, method, 'parameters', String(index), 'schema');
    if (parameter.in === 'path') {
      let value: string;
      try {
        value = decodeURIComponent(match[names.indexOf(parameter.name) + 1]!);
      } catch {
        problems.push(`${parameter.name}: not percent-encoding`);
        return;
      }
      problems.push(...validate(at, typed(value, parameter.schema)).map((p) => `${parameter.name}${p}`));
    } else if (parameter.in === 'query') {
      const values = query.getAll(parameter.name);
      if (values.length === 0) {
        if (parameter.required) problems.push(`${parameter.name} is required`);
        return;
      }
      if (parameter.schema.type === 'array') {
        problems.push(...validate(at, values.flatMap((v) => v.split(','))).map((p) => `${parameter.name}${p}`));
      } else if (values.length > 1) {
        problems.push(`${parameter.name} given ${values.length} times`);
      } else {
        problems.push(...validate(at, typed(values[0]!, parameter.schema)).map((p) => `${parameter.name}${p}`));
      }
    }
  });
  if (operation.requestBody) {
    const type = testCase.headers?.['content-type'];
    if (!type || !operation.requestBody.content[type]) return [...problems, `content type ${type} not listed`];
    let body: unknown;
    try {
      body = JSON.parse(testCase.body ?? '');
    } catch {
      return [...problems, 'body is not JSON'];
    }
    problems.push(...validate(pointer('paths', template, method, 'requestBody', 'content', type, 'schema'), body).map((p) => `body${p}`));
  } else if (testCase.body !== undefined) {
    try {
      JSON.parse(testCase.body);
    } catch {
      problems.push('a body that is not JSON');
    }
  }
  return problems;
}

/** What is wrong with this answer according to the document (empty: it conforms). */
function answerProblems(testCase: Case, response: RawResponse): string[] {
  const { path: template, method, operation } = findOperation(testCase.operationId);
  const status = String(response.status);
  const documented = operation.responses[status];
  if (!documented) return [`status ${status} is not documented`];
  const problems: string[] = [];
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if (header.required && response.headers[name.toLowerCase()] === undefined) problems.push(`header ${name} missing`);
  }
  if (response.body.length === 0) return documented.content && response.status !== 304 ? [...problems, 'empty body'] : problems;
  const contentType = String(response.headers['content-type'] ?? '');
  const listed = Object.keys(documented.content ?? {}).find((type) => type === contentType || type === contentType.split(';')[0]);
  if (!listed) return [...problems, `content type ${contentType} is not listed (${Object.keys(documented.content ?? {}).join(', ')})`];
  if (listed === 'application/json') {
    if (!contentType.startsWith('application/json')) return [...problems, `content type ${contentType} for a JSON answer`];
    const at = pointer('paths', template, method, 'responses', status, 'content', listed, 'schema');
    problems.push(...validate(at, JSON.parse(response.body.toString('utf8'))).map((p) => `body${p}`));
  }
  return problems;
}

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  service = await startTestService(fixtures.dir);
  CALLBACK = `${service.baseUrl}/?pushReturn=1`;
  doc = JSON.parse((await rawRequest(service.baseUrl, { path: '/openapi.json' })).body.toString('utf8')) as Document;
  ajv.addSchema(doc, 'openapi.json');
});

afterAll(async () => {
  await service?.close();
  await fixtures?.cleanup();
});

describe('the service against its generated OpenAPI document', () => {
  it('answers every request as documented, and no request the document calls invalid with a 2xx or 3xx', async () => {
    const sent: Array<{ testCase: Case; response: RawResponse; invalid: string[] }> = [];
    const send = async (testCase: Case) => {
      const response = await rawRequest(service.baseUrl, { method: testCase.method, path: testCase.path, body: testCase.body, headers: testCase.headers });
      sent.push({ testCase, response, invalid: documentProblems(testCase) });
      return response;
    };
    // A notification the simulator (playing MDES) encrypted for the service, sent again as is to both paths:
    // the same requestId is acknowledged again with the first answer.
    const ntu = service.simulator.ntu as NtuSender;
    const first = await ntu.send(service.baseUrl, [{ tokenUniqueReference: 'CONFORMANCE-NTU', status: 'ACTIVE', productConfig: CARD, tokenInfo: { accountPanSuffix: '1881' } }]);
    expect(first.status).toBe(200);
    const notification = JSON.stringify(first.request);
    const replays: Case[] = [
      { operationId: 'notifyTokenUpdatedStatic', method: 'POST', path: NTU_SEND_PATH, body: notification, headers: json },
      { operationId: 'notifyTokenUpdated', method: 'POST', path: '/digitization/1/0/notifyTokenUpdated', body: notification, headers: json },
    ];
    for (const testCase of [...cases(), ...replays]) {
      const response = await send(testCase);
      // Every image answer's tag, sent back, must give the documented 304.
      const etag = response.headers.etag;
      if (response.status === 200 && typeof etag === 'string') await send(conditional(testCase, etag));
    }

    const problems: string[] = [];
    for (const { testCase, response, invalid } of sent) {
      const label = `${testCase.method} ${testCase.path.slice(0, 120)}${testCase.body ? ` ${testCase.body.slice(0, 80)}` : ''} -> ${response.status}`;
      for (const problem of answerProblems(testCase, response)) problems.push(`${label}: ${problem}`);
      if (invalid.length > 0 && response.status < 400) problems.push(`${label}: the document calls it invalid (${invalid.join('; ')})`);
    }
    expect(problems).toEqual([]);

    // Every documented operation was exercised with a good request and a refused one.
    const operationIds = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    for (const operationId of operationIds) {
      const answers = sent.filter(({ testCase }) => testCase.operationId === operationId).map(({ response }) => response.status);
      expect([operationId, answers.some((s) => s < 400), answers.some((s) => s >= 400)]).toEqual([operationId, true, true]);
    }
    // The cases the document forbids include the two that used to pass: "#" colours and "TRUE".
    const forbidden = sent.filter(({ invalid }) => invalid.length > 0);
    expect(forbidden.some(({ testCase }) => testCase.path.includes('foregroundColor=%23ffffff'))).toBe(true);
    expect(forbidden.some(({ testCase }) => testCase.path.includes('isCoBranded=TRUE'))).toBe(true);
    expect(sent.filter(({ response }) => response.status === 304).length).toBeGreaterThan(10);
    console.log(`conformance: ${sent.length} requests (${forbidden.length} the document calls invalid) to ${operationIds.length} operations`);
  }, 60_000);
});
