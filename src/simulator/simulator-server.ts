import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LRUCache } from 'lru-cache';
import { DEFAULT_MDES_ASSET_PATH, DEFAULT_MDES_REQUESTOR_ASSET_PATH, DEFAULT_MDES_TOKEN_CONNECT_PATH } from '../config.ts';
import { ACCOUNT_RANGE_PATTERN, MAX_ACCOUNT_RANGES } from '../upstream/validate-input.ts';
import { ASSET_ID_PATTERN, readAssetBodyText } from './asset-folder.ts';
import { createFaultInjector, TOKEN_REQUESTORS_TARGET, type Fault, type FaultInjector } from './fault-injector.ts';
import { gatewayErrorBody, mdesErrorBody } from './mdes-error-bodies.ts';
import { createNtuSender, type NtuSender } from './ntu-sender.ts';
import { createOAuthVerifier } from './oauth-verifier.ts';
import { createPushAccountsSimulator, type PushAccountsSimulator } from './push-accounts-simulator.ts';
import { createRequestorPages, REQUESTOR_PAGES_PREFIX } from './requestor-pages.ts';
import { readRequestorListText } from './simulated-requestors.ts';
import type { OaepDigest } from '../upstream/field-level-encryption.ts';

export type { Fault, FaultInjector } from './fault-injector.ts';

/** The simulator's base path, so a base URL looks like the real `https://…/mdes`. */
export const SIMULATOR_BASE_PATH = '/mdes';
/** The upstream paths, as the client uses them by default (the MDES sandbox's). */
export const SIMULATOR_PATHS = {
  assetPath: DEFAULT_MDES_ASSET_PATH,
  tokenConnectPath: DEFAULT_MDES_TOKEN_CONNECT_PATH,
  requestorAssetPath: DEFAULT_MDES_REQUESTOR_ASSET_PATH,
} as const;
/** getEligibleTokenRequestors bodies are tiny (25 ranges at most). */
const MAX_REQUEST_BODY_BYTES = 64 * 1024;
/** Per-ID counters kept (least recently counted forgotten first): tests look at a few IDs, a flood must not grow RSS. */
export const MAX_COUNTED_ASSET_IDS = 10_000;

export interface RunningSimulator {
  /** e.g. `http://127.0.0.1:PORT/mdes` */
  baseUrl: string;
  /** Requests seen per route ('asset', 'tokenRequestors', 'requestorAsset', 'other') and per ID ('asset:<id>', 'requestorAsset:<id>'). */
  counts(): Record<string, number>;
  /** Asset IDs with a per-ID counter (at most MAX_COUNTED_ASSET_IDS). */
  countedIds(): number;
  resetCounts(): void;
  faults: FaultInjector;
  /** e.g. `http://127.0.0.1:PORT`: where the simulated requestors' pages are (`{SIMULATOR_ORIGIN}` in token-requestors.json). */
  origin: string;
  /** The MDES side of push provisioning: its encryption certificate (handed to the service), JWS key and receipts. */
  push: PushAccountsSimulator;
  /** Sends Notify Token Updated to a token requestor (the service); undefined without `notifyTokenUpdated` options. */
  ntu: NtuSender | undefined;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  assetDir: string;
  port?: number;
  host?: string;
  /** Public key: verify the OAuth1 signature when given; otherwise only check the header is well-formed. */
  verifyKeyPem?: string;
  /** Per-ID counters kept (default MAX_COUNTED_ASSET_IDS). */
  maxCountedIds?: number;
  /** Route paths under the base URL; the MDES sandbox defaults otherwise. */
  paths?: Partial<Record<keyof typeof SIMULATOR_PATHS, string>>;
  /** The token requestor's public encryption certificate: lets the simulator send Notify Token Updated. */
  notifyTokenUpdated?: { certificatePem: string; oaepDigest: OaepDigest };
}

type Route = { name: 'asset' | 'requestorAsset'; assetId: string } | { name: 'tokenRequestors' } | { name: 'pushAccounts' } | { name: 'other' };
/** Fault target of pushMultipleAccounts calls. */
export const PUSH_ACCOUNTS_TARGET = 'pushMultipleAccounts';

/** An embedded MDES that speaks the real HTTP API over a folder of assets. */
export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const paths = { ...SIMULATOR_PATHS, ...opts.paths };
  const verifyAuth = createOAuthVerifier(opts.verifyKeyPem);
  const faults = createFaultInjector();
  let counts: Record<string, number> = {};
  const maxCountedIds = opts.maxCountedIds ?? MAX_COUNTED_ASSET_IDS;
  let perIdCounts = new LRUCache<string, number>({ max: maxCountedIds });
  const count = (key: string) => {
    counts[key] = (counts[key] ?? 0) + 1;
  };
  const countId = (key: string) => perIdCounts.set(key, (perIdCounts.get(key) ?? 0) + 1);
  let port = 0;
  const host = opts.host ?? '127.0.0.1';
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const origin = () => `http://${publicHost}:${port}`;
  const push = createPushAccountsSimulator({ assetDir: opts.assetDir, origin });
  const requestorPages = createRequestorPages({ assetDir: opts.assetDir, origin, push });

  function routeOf(method: string, pathname: string): Route {
    const prefix = SIMULATOR_BASE_PATH;
    const assetMatch = (routePath: string) => {
      const start = `${prefix}${routePath}/`;
      if (method !== 'GET' || !pathname.startsWith(start)) return undefined;
      const id = decodeURIComponent(pathname.slice(start.length));
      return ASSET_ID_PATTERN.test(id) ? id : undefined;
    };
    const assetId = assetMatch(paths.assetPath);
    if (assetId !== undefined) return { name: 'asset', assetId };
    const requestorAssetId = assetMatch(paths.requestorAssetPath);
    if (requestorAssetId !== undefined) return { name: 'requestorAsset', assetId: requestorAssetId };
    if (method === 'POST' && pathname === `${prefix}${paths.tokenConnectPath}/getEligibleTokenRequestors`) {
      return { name: 'tokenRequestors' };
    }
    if (method === 'POST' && pathname === `${prefix}${paths.tokenConnectPath}/pushMultipleAccounts`) return { name: 'pushAccounts' };
    return { name: 'other' };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const pathname = new URL(req.url ?? '/', 'http://simulator').pathname;
    const route = routeOf(method, pathname);
    count(route.name);
    if (route.name === 'asset' || route.name === 'requestorAsset') countId(`${route.name}:${route.assetId}`);
    const body = await readRequestBody(req);
    if (body === undefined) return send(res, 413, mdesErrorBody('REQUEST_TOO_LARGE', 'Request body too large'));
    if (route.name === 'other' && pathname.startsWith(REQUESTOR_PAGES_PREFIX)) return requestorPages.handle(req, res, body);
    if (route.name === 'other') return send(res, 404, mdesErrorBody('NOT_FOUND', 'No such resource'));

    const auth = verifyAuth({
      authorization: req.headers.authorization,
      method,
      url: `http://${req.headers.host ?? `${publicHost}:${port}`}${req.url ?? '/'}`,
      body,
    });
    if (!auth.ok) return send(res, 401, gatewayErrorBody('AUTHENTICATION_FAILED', auth.reason));

    const fault = faults.take(
      route.name === 'tokenRequestors' ? TOKEN_REQUESTORS_TARGET : route.name === 'pushAccounts' ? PUSH_ACCOUNTS_TARGET : route.assetId,
    );
    if (fault?.kind === 'latency') {
      if (!(await waitUnlessClosed(req, fault.ms))) return;
    } else if (fault && (await applyResponseFault(fault, req, res))) {
      return;
    }

    const answer =
      route.name === 'tokenRequestors'
        ? await tokenRequestorsAnswer(opts.assetDir, body, origin())
        : route.name === 'pushAccounts'
          ? await push.handlePush(body)
          : await assetAnswer(opts.assetDir, route.assetId, push);
    if (answer.status === 200 && fault?.kind === 'invalid-json') return send(res, 200, answer.body.slice(0, Math.max(1, answer.body.length - 2)) + '<oops');
    if (answer.status === 200 && fault?.kind === 'invalid-base64') return send(res, 200, withInvalidBase64(answer.body));
    if (answer.status === 200 && fault?.kind === 'truncate') return sendTruncated(res, answer.body);
    return send(res, answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, mdesErrorBody('INTERNAL_ERROR', 'Simulator failure', true));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://${publicHost}:${port}${SIMULATOR_BASE_PATH}`,
    counts: () => ({ ...counts, ...Object.fromEntries(perIdCounts.entries()) }),
    countedIds: () => perIdCounts.size,
    resetCounts: () => {
      counts = {};
      perIdCounts = new LRUCache<string, number>({ max: maxCountedIds });
    },
    faults,
    origin: origin(),
    push,
    ntu: opts.notifyTokenUpdated ? createNtuSender(opts.notifyTokenUpdated) : undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Handles the faults that replace the response; returns true when the response is done. */
async function applyResponseFault(fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  switch (fault.kind) {
    case 'status':
      send(
        res,
        fault.status,
        fault.body === undefined
          ? mdesErrorBody(fault.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'INVALID_REQUEST', `Injected ${fault.status}`, fault.status >= 500)
          : typeof fault.body === 'string'
            ? fault.body
            : JSON.stringify(fault.body),
      );
      return true;
    case '429':
      res.setHeader('Retry-After', String(fault.retryAfterSeconds));
      send(res, 429, gatewayErrorBody('RATE_LIMIT_EXCEEDED', 'Too many requests'));
      return true;
    case 'reset':
      req.socket.destroy();
      return true;
    default:
      return false;
  }
}

async function assetAnswer(assetDir: string, assetId: string, push: PushAccountsSimulator): Promise<{ status: number; body: string }> {
  const jwk = push.jwkAssetBody(assetId);
  if (jwk !== undefined) return { status: 200, body: jwk };
  const body = await readAssetBodyText(assetDir, assetId);
  if (body === undefined) return { status: 404, body: mdesErrorBody('ASSET_NOT_FOUND', `Asset ${assetId} not found`) };
  return { status: 200, body };
}

/** getEligibleTokenRequestors: requestors whose enabledAccountRanges prefix-match a requested range (all when absent). */
async function tokenRequestorsAnswer(assetDir: string, requestBody: string, origin: string): Promise<{ status: number; body: string }> {
  let ranges: unknown;
  try {
    ranges = (JSON.parse(requestBody) as { accountRanges?: unknown }).accountRanges;
  } catch {
    return { status: 400, body: mdesErrorBody('INVALID_JSON', 'Request body is not valid JSON') };
  }
  if (
    !Array.isArray(ranges) ||
    ranges.length < 1 ||
    ranges.length > MAX_ACCOUNT_RANGES ||
    !ranges.every((range) => typeof range === 'string' && ACCOUNT_RANGE_PATTERN.test(range))
  ) {
    return { status: 400, body: mdesErrorBody('INVALID_FIELD_VALUE', 'accountRanges must hold 1-25 numeric strings of 9-19 digits') };
  }
  const text = await readRequestorListText(assetDir, origin);
  if (text === undefined) return { status: 200, body: JSON.stringify({ responseId: randomUUID(), tokenRequestors: [] }) };
  let parsed: { responseId?: unknown; tokenRequestors?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return { status: 200, body: text };
  }
  if (!Array.isArray(parsed.tokenRequestors)) return { status: 200, body: text };
  const requested = ranges as string[];
  const tokenRequestors = parsed.tokenRequestors.filter((entry: { enabledAccountRanges?: unknown }) => {
    const enabled = entry?.enabledAccountRanges;
    if (!Array.isArray(enabled)) return true;
    return enabled.some(
      (range) => typeof range === 'string' && requested.some((wanted) => wanted.startsWith(range) || range.startsWith(wanted)),
    );
  });
  return { status: 200, body: JSON.stringify({ ...parsed, responseId: parsed.responseId ?? randomUUID(), tokenRequestors }) };
}

function withInvalidBase64(bodyText: string): string {
  try {
    const body = JSON.parse(bodyText) as { mediaContents?: Array<{ data?: string }> };
    if (!Array.isArray(body.mediaContents)) return bodyText;
    for (const entry of body.mediaContents) entry.data = '%%% not base64 %%%';
    return JSON.stringify(body);
  } catch {
    return bodyText;
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Promises the whole body, sends half of it, then drops the connection. */
function sendTruncated(res: ServerResponse, body: string): void {
  const bytes = Buffer.from(body);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
}

/** The request body as text, or undefined when it passes the bound. */
async function readRequestBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_REQUEST_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Waits `ms`, ending early (false) when the client hangs up first. */
function waitUnlessClosed(req: IncomingMessage, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      req.socket.off('close', onClose);
      resolve(true);
    }, ms);
    req.socket.once('close', onClose);
  });
}
