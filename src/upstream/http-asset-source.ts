import { randomUUID } from 'node:crypto';
import { CardArtError, isCardArtError } from '../errors.ts';
import type { AssetSource, EligibleTokenRequestorsResponse, PushAccountsTransport } from './asset-source.ts';
import { readBoundedBody } from './bounded-body.ts';
import type { RequestSigner } from './oauth-signer.ts';
import { backoffDelayMs, parseRetryAfterSeconds, sleep } from './retry-policy.ts';
import { failureForStatus, type AttemptFailure } from './upstream-errors.ts';
import { assertAssetId } from '../core/asset-id.ts';
import { assertAccountRanges } from './validate-input.ts';
import type { UpstreamBudget } from './upstream-budget.ts';

/** 20 MB: a PDF background plus several PNG sizes, base64-encoded, stays far below this. */
export const DEFAULT_MAX_RESPONSE_BYTES = 20 * 1024 * 1024;
/** 3 attempts: rides out a blip without tripling the wait on a real outage by much more. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** 200 ms, doubling: the first retry comes quickly, later ones give the upstream room. */
export const DEFAULT_BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 2000;
/** A Retry-After beyond 10 s is not worth holding a card request open for; fail with 503 and pass it on. */
export const DEFAULT_MAX_RETRY_AFTER_SECONDS = 10;
/** Error bodies are only read for their reason code. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface UpstreamStats {
  /** Logical calls per operation ('asset', 'tokenRequestors', 'requestorAsset', 'ping'); retries not included. */
  calls: Record<string, number>;
  /** Failed calls per final error code. */
  errors: Record<string, number>;
  /** Extra attempts made after a retryable failure. */
  retries: number;
}

export interface HttpAssetSourceOptions {
  baseUrl: string;
  assetPath: string;
  tokenConnectPath: string;
  requestorAssetPath: string;
  /** Per attempt, covering headers and body. */
  timeoutMs: number;
  signer: RequestSigner;
  maxResponseBytes?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  maxRetryAfterSeconds?: number;
  fetchImpl?: typeof fetch;
  /** Taken before every HTTP call (attempts, retries and pings): the instance's MDES budget. */
  budget?: Pick<UpstreamBudget, 'take'>;
  /** Told after every attempt whether MDES answered (any status below 500 but 429) or not: readiness uses it. */
  onAttempt?: (answered: boolean) => void;
}

type Operation = 'asset' | 'tokenRequestors' | 'requestorAsset' | 'pushAccounts';

interface UpstreamRequest {
  operation: Operation;
  what: string;
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  /** Not idempotent (a push): retried only after a failure that proves MDES never got the request. */
  unsafeToRepeat?: boolean;
}

/** The MDES client: OAuth1-signed requests, per-attempt timeouts, bounded bodies and bounded retries. */
export function createHttpAssetSource(
  opts: HttpAssetSourceOptions,
): AssetSource & PushAccountsTransport & { stats(): UpstreamStats; ping(signal?: AbortSignal): Promise<void> } {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const backoffBaseMs = opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
  const maxRetryAfterSeconds = opts.maxRetryAfterSeconds ?? DEFAULT_MAX_RETRY_AFTER_SECONDS;
  const fetchImpl = opts.fetchImpl ?? fetch;
  const stats: UpstreamStats = { calls: {}, errors: {}, retries: 0 };

  async function call<T = unknown>(
    request: UpstreamRequest,
    callerSignal: AbortSignal | undefined,
    check: (body: unknown, what: string) => T = (body) => body as T,
  ): Promise<T> {
    stats.calls[request.operation] = (stats.calls[request.operation] ?? 0) + 1;
    try {
      return check(await callWithRetries(request, callerSignal), request.what);
    } catch (error) {
      const code = isCardArtError(error) ? error.code : 'UNEXPECTED';
      stats.errors[code] = (stats.errors[code] ?? 0) + 1;
      throw error;
    }
  }

  async function callWithRetries(request: UpstreamRequest, callerSignal: AbortSignal | undefined): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      throwIfCallerAborted(callerSignal, request.what);
      const outcome = await attemptOnce(request, callerSignal);
      if (outcome.ok) return outcome.value;
      const failure = outcome.failure;
      if (!failure.retryable || attempt >= maxAttempts) throw failure.error;
      if (request.unsafeToRepeat && !failure.notReceived) throw failure.error;
      stats.retries++;
      try {
        await sleep(failure.delayMs ?? backoffDelayMs(attempt, backoffBaseMs, BACKOFF_CAP_MS), callerSignal);
      } catch {
        throwIfCallerAborted(callerSignal, request.what);
      }
    }
  }

  async function attemptOnce(
    request: UpstreamRequest,
    callerSignal: AbortSignal | undefined,
  ): Promise<{ ok: true; value: unknown } | { ok: false; failure: AttemptFailure }> {
    await opts.budget?.take();
    const timeoutSignal = AbortSignal.timeout(opts.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeoutSignal]) : timeoutSignal;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: opts.signer.authorizationHeader(request.url, request.method, request.body),
    };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const response = await fetchImpl(request.url, {
        method: request.method,
        headers,
        body: request.body,
        signal,
        redirect: 'manual',
      });
      opts.onAttempt?.(response.status < 500 && response.status !== 429);
      if (response.status < 200 || response.status > 299) {
        return { ok: false, failure: await failureForResponse(request, response) };
      }
      const bytes = await readBoundedBody(response, maxResponseBytes, request.what);
      try {
        return { ok: true, value: JSON.parse(bytes.toString('utf8')) as unknown };
      } catch {
        return {
          ok: false,
          failure: {
            retryable: false,
            error: new CardArtError('UPSTREAM_BODY_INVALID', `${request.what}: upstream body is not valid JSON`),
          },
        };
      }
    } catch (error) {
      if (isCardArtError(error)) return { ok: false, failure: { retryable: false, error } };
      throwIfCallerAborted(callerSignal, request.what);
      opts.onAttempt?.(false);
      return { ok: false, failure: transportFailure(request, error, timeoutSignal.aborted) };
    }
  }

  async function failureForResponse(request: UpstreamRequest, response: Response): Promise<AttemptFailure> {
    const bodyText = await readBoundedBody(response, MAX_ERROR_BODY_BYTES, request.what)
      .then((bytes) => bytes.toString('utf8'))
      .catch(() => '');
    if (response.status === 429) {
      const retryAfter = parseRetryAfterSeconds(response.headers.get('retry-after'));
      const error = new CardArtError('UPSTREAM_RATE_LIMITED', `${request.what}: MDES is rate limiting requests`, {
        retryAfterSeconds: retryAfter ?? 1,
      });
      if (retryAfter !== undefined && retryAfter > maxRetryAfterSeconds) return { retryable: false, error };
      // The gateway refuses a rate-limited call before the API sees it, so even a push may be repeated.
      return { retryable: true, notReceived: true, error, ...(retryAfter !== undefined ? { delayMs: retryAfter * 1000 } : {}) };
    }
    const isAssetLookup = request.operation === 'asset' || request.operation === 'requestorAsset';
    return failureForStatus(response.status, bodyText, request.what, isAssetLookup);
  }

  function assetUrl(path: string, assetId: string): string {
    return `${baseUrl}${path}/${encodeURIComponent(assetId)}`;
  }

  return {
    async getAsset(assetId, signal) {
      const id = assertAssetId(assetId);
      return call({ operation: 'asset', what: `Get Asset ${id}`, url: assetUrl(opts.assetPath, id), method: 'GET' }, signal);
    },

    async getTokenRequestorAsset(assetId, signal) {
      const id = assertAssetId(assetId);
      const url = assetUrl(opts.requestorAssetPath, id);
      return call({ operation: 'requestorAsset', what: `token requestor asset ${id}`, url, method: 'GET' }, signal);
    },

    async getEligibleTokenRequestors(accountRanges, signal) {
      const ranges = assertAccountRanges(accountRanges);
      const what = 'getEligibleTokenRequestors';
      const body = JSON.stringify({ requestId: randomUUID(), accountRanges: ranges });
      const url = `${baseUrl}${opts.tokenConnectPath}/getEligibleTokenRequestors`;
      return call({ operation: 'tokenRequestors', what, url, method: 'POST', body }, signal, assertEligibleTokenRequestors);
    },

    async pushMultipleAccounts(requestBody, signal) {
      const url = `${baseUrl}${opts.tokenConnectPath}/pushMultipleAccounts`;
      const body = JSON.stringify(requestBody);
      return call({ operation: 'pushAccounts', what: 'pushMultipleAccounts', url, method: 'POST', body, unsafeToRepeat: true }, signal);
    },

    async ping(signal) {
      stats.calls.ping = (stats.calls.ping ?? 0) + 1;
      await opts.budget?.take();
      const timeoutSignal = AbortSignal.timeout(opts.timeoutMs);
      try {
        const response = await fetchImpl(`${baseUrl}/`, {
          method: 'GET',
          signal: signal ? AbortSignal.any([signal, timeoutSignal]) : timeoutSignal,
          redirect: 'manual',
        });
        await response.body?.cancel().catch(() => undefined);
      } catch (error) {
        throwIfCallerAborted(signal, 'ping');
        throw transportFailure({ what: 'ping' }, error, timeoutSignal.aborted).error;
      }
    },

    stats() {
      return { calls: { ...stats.calls }, errors: { ...stats.errors }, retries: stats.retries };
    },
  };
}

function transportFailure(request: Pick<UpstreamRequest, 'what'>, error: unknown, timedOut: boolean): AttemptFailure {
  if (timedOut) {
    return { retryable: true, error: new CardArtError('UPSTREAM_TIMEOUT', `${request.what}: MDES did not answer in time`) };
  }
  if (isBodyCutOff(error)) {
    return {
      retryable: true,
      error: new CardArtError('UPSTREAM_BODY_INVALID', `${request.what}: upstream response ended early`, { cause: error }),
    };
  }
  const reason = networkReason(error);
  return {
    retryable: true,
    notReceived: NOT_CONNECTED_CODES.has(reason),
    error: new CardArtError('UPSTREAM_UNREACHABLE', `${request.what}: cannot reach MDES (${reason})`, {
      cause: error,
    }),
  };
}

/** Failures before a connection existed: MDES cannot have received (let alone acted on) the request. */
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** undici reports a body cut off mid-stream as TypeError('terminated'). */
function isBodyCutOff(error: unknown): boolean {
  return error instanceof TypeError && error.message === 'terminated';
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : 'network error';
}

function throwIfCallerAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new CardArtError('REQUEST_ABORTED', `${what}: the caller gave up`, { cause: signal.reason });
  }
}

function assertEligibleTokenRequestors(body: unknown, what: string): EligibleTokenRequestorsResponse {
  const list = (body as { tokenRequestors?: unknown } | null)?.tokenRequestors;
  const valid =
    Array.isArray(list) &&
    list.every((entry) => entry !== null && typeof entry === 'object' && typeof (entry as { tokenRequestorId?: unknown }).tokenRequestorId === 'string');
  if (!valid) {
    throw new CardArtError('UPSTREAM_BODY_INVALID', `${what}: upstream body has no valid tokenRequestors list`);
  }
  return body as EligibleTokenRequestorsResponse;
}
