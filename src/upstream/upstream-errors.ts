import { CardArtError } from '../errors.ts';

/** What a failed attempt means for the retry loop. */
export interface AttemptFailure {
  error: CardArtError;
  retryable: boolean;
  /** True when the failure proves the upstream never received the request (safe to repeat even a push). */
  notReceived?: boolean;
  /** Wait before the next attempt instead of the normal backoff (Retry-After). */
  delayMs?: number;
}

/**
 * Reads the reason out of either MDES error shape: the gateway's `{"Errors":{"Error":[{ReasonCode,…}]}}` or
 * the API's `{errorCode, errorDescription, errors:[…]}`. Only codes and descriptions, never headers.
 */
export function describeMdesError(bodyText: string): { reasonCode?: string; description?: string } {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return {};
  }
  if (!body || typeof body !== 'object') return {};
  const record = body as Record<string, unknown>;
  const gatewayErrors = (record.Errors as { Error?: unknown } | undefined)?.Error;
  const gatewayFirst = Array.isArray(gatewayErrors) ? gatewayErrors[0] : gatewayErrors;
  if (gatewayFirst && typeof gatewayFirst === 'object') {
    const entry = gatewayFirst as Record<string, unknown>;
    return { reasonCode: asShortString(entry.ReasonCode), description: asShortString(entry.Description) };
  }
  const apiFirst = Array.isArray(record.errors) ? (record.errors[0] as Record<string, unknown> | undefined) : undefined;
  return {
    reasonCode: asShortString(record.errorCode) ?? asShortString(apiFirst?.reasonCode) ?? asShortString(apiFirst?.errorCode),
    description: asShortString(record.errorDescription) ?? asShortString(apiFirst?.description),
  };
}

/** Maps a non-2xx upstream status (429 handled by the caller) to the card-art error and whether to retry. */
export function failureForStatus(status: number, bodyText: string, what: string, isAssetLookup: boolean): AttemptFailure {
  const { reasonCode, description } = describeMdesError(bodyText);
  const reason = reasonCode ? ` (${reasonCode}${description ? `: ${description}` : ''})` : '';
  if (status === 401 || status === 403) {
    return {
      retryable: false,
      error: new CardArtError('UPSTREAM_AUTH_FAILED',
        `${what}: MDES refused the credentials with ${status}${reason}; check MDES_CONSUMER_KEY / MDES_SIGNING_KEY`,
      ),
    };
  }
  if (isAssetLookup && (status === 404 || /NOT_FOUND/i.test(reasonCode ?? ''))) {
    return { retryable: false, error: new CardArtError('ASSET_NOT_FOUND', `${what}: MDES has no such asset`) };
  }
  if (status >= 500) {
    return { retryable: true, error: new CardArtError('UPSTREAM_ERROR', `${what}: MDES answered ${status}${reason}`) };
  }
  return { retryable: false, error: new CardArtError('UPSTREAM_ERROR', `${what}: MDES rejected the request with ${status}${reason}`) };
}

function asShortString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, 200) : undefined;
}
