/**
 * The one error table of card-art: every code once, with its HTTP status, its kind and the message a client may
 * see. To add a code, add one entry here (and a row to the README error table; a test keeps them in step), then
 * list it in the `errors` of the operations that can answer it (src/service/contract/operations.ts).
 */
import { ALLOWED_WIDTHS } from './core/card-widths.ts';

/**
 * What went wrong, for the edges: HTTP answers with the table's status, the CLI exits by kind, and only a
 * `bad-input` answer may carry the thrown detail (it describes the client's own request); every other kind
 * answers with the table's message and the detail goes to the log under the same code.
 */
export type ErrorKind = 'bad-input' | 'bad-asset' | 'upstream' | 'overload' | 'auth' | 'internal';

export interface ErrorSpec {
  status: number;
  kind: ErrorKind;
  /** What a client sees (for bad-input, when the thrower gave no detail). */
  message: string;
  /** Never answered over HTTP (start-up failures, work nobody waits for any more, handled inside a module). */
  internalOnly?: true;
  /** A second status one operation answers this code with (the registry lists it as { code, status }). */
  alsoStatus?: number;
}

export const ERRORS = {
  // 4xx: the request itself
  INVALID_ASSET_ID: { status: 400, kind: 'bad-input', message: 'asset IDs are 1-64 characters of A-Z, a-z, 0-9, "_" or "-"' },
  INVALID_ACCOUNT_RANGES: { status: 400, kind: 'bad-input', message: 'accountRanges must list 1 to 25 account ranges of 9 to 19 digits' },
  INVALID_PRODUCT_CONFIG: { status: 400, kind: 'bad-input', message: 'productConfig must be a JSON object of productConfig fields' },
  MISSING_BACKGROUND: { status: 400, kind: 'bad-input', message: 'productConfig needs cardBackgroundAssetId or cardBackgroundCombinedAssetId' },
  INVALID_FOREGROUND_COLOR: { status: 400, kind: 'bad-input', message: 'foregroundColor must be 6 hex digits without "#", e.g. 000000 or c00f00' },
  INVALID_TEXT: { status: 400, kind: 'bad-input', message: 'text must be at most 32 printable characters the card font has' },
  INVALID_WIDTH: { status: 400, kind: 'bad-input', message: `width must be one of ${ALLOWED_WIDTHS.join(', ')}` },
  INVALID_FORMAT: { status: 400, kind: 'bad-input', message: 'format must be one of the listed formats' },
  INVALID_SIZE: { status: 400, kind: 'bad-input', message: 'size must be one of 48, 96, 192, 384' },
  INVALID_REQUEST: { status: 400, kind: 'bad-input', message: 'The request does not match the API description' },
  INVALID_JSON: { status: 400, kind: 'bad-input', message: 'The request body is not valid JSON' },
  TOO_MANY_QUERY_KEYS: { status: 400, kind: 'bad-input', message: 'The query has more than 100 parameters' },
  URI_TOO_LONG: { status: 414, kind: 'bad-input', message: 'The request URL is longer than 8 KiB' },
  NOT_FOUND: { status: 404, kind: 'bad-input', message: 'No such route' },
  PAYLOAD_TOO_LARGE: { status: 413, kind: 'bad-input', message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, kind: 'bad-input', message: 'The request body encoding is not supported' },
  ASSET_NOT_FOUND: { status: 404, kind: 'upstream', message: 'MDES has no asset with this ID' },
  SVG_NOT_AVAILABLE: { status: 404, kind: 'bad-asset', message: 'This token requestor logo has no SVG version; ask for format=png' },
  UNSUPPORTED_ASPECT_RATIO: { status: 422, kind: 'bad-asset', message: 'The background would need more than 16 MP to cover the card' },
  RATE_LIMITED: { status: 429, alsoStatus: 503, kind: 'overload', message: 'Too many requests from this client; retry after Retry-After seconds' },
  RENDER_CLIENT_LIMIT: { status: 429, kind: 'overload', message: 'This client already has its share of renders in progress; retry shortly' },
  // 4xx: tokens, Notify Token Updated and authentication
  INVALID_TOKEN: { status: 400, kind: 'bad-input', message: 'The token must be {"tokenUniqueReference","status","productConfig","tokenInfo"?}' },
  INVALID_TOKEN_REFERENCE: { status: 400, kind: 'bad-input', message: 'tokenUniqueReference must be 1–64 letters, digits, "-" or "_"' },
  INVALID_NOTIFICATION: { status: 400, kind: 'bad-input', message: 'Malformed Notify Token Updated request' },
  PAYLOAD_UNDECRYPTABLE: { status: 400, kind: 'bad-input', message: 'The encrypted payload could not be decrypted' },
  STATUS_TIMESTAMP_IN_FUTURE: { status: 400, kind: 'bad-input', message: 'statusTimestamp is more than 5 minutes in the future' },
  UNAUTHORIZED: { status: 401, kind: 'auth', message: 'A valid bearer token is required' },
  NTU_CALLER_NOT_ALLOWED: { status: 403, kind: 'auth', message: 'This caller may not send Notify Token Updated' },
  TOKEN_NOT_FOUND: { status: 404, kind: 'bad-input', message: 'No token with this tokenUniqueReference is known' },
  TOKEN_CARD_ART_UNKNOWN: { status: 404, kind: 'bad-input', message: 'No card art is known for this token yet' },
  NO_OTHER_CARD_ART: { status: 409, kind: 'bad-input', message: 'The demo has no other card art to switch to' },
  TOKEN_DEACTIVATED: { status: 410, kind: 'bad-input', message: 'This token has been deactivated' },
  NOT_CONFIGURED: { status: 501, kind: 'internal', message: 'This feature is not configured on this instance' },
  // 4xx: push and pull provisioning
  INVALID_ACCOUNT_NUMBER: { status: 400, kind: 'bad-input', message: 'accountNumber must be 9 to 19 digits and pass the Luhn check' },
  CARD_EXPIRED: { status: 400, kind: 'bad-input', message: 'The card has expired (expiryMonth / expiryYear is in the past)' },
  TOO_MANY_ACCOUNTS: { status: 400, kind: 'bad-input', message: 'Push 1 to 5 accounts, or 1 when the token requestor does not support multiple cards' },
  PUSH_METHOD_UNAVAILABLE: { status: 400, kind: 'bad-input', message: 'The token requestor does not offer that push method (or its uri is not usable for it)' },
  INVALID_CALLBACK_URL: { status: 400, kind: 'bad-input', message: 'callbackURL must be an absolute https: URL or an app scheme of at most 256 characters' },
  INVALID_LOCALE: { status: 400, kind: 'bad-input', message: 'locale must be a language and a country like en_US' },
  UNKNOWN_TOKEN_REQUESTOR: { status: 400, alsoStatus: 404, kind: 'bad-input', message: 'No eligible token requestor has that ID' },
  INVALID_RESULTS: { status: 400, kind: 'bad-input', message: 'The query must hold 1 to 5 results[<pushAccountReceipt>]=<STATUS>|<tokenUniqueReference> entries' },
  NO_ELIGIBLE_ACCOUNTS: { status: 422, kind: 'bad-input', message: 'None of the cards can be pushed to this token requestor' },
  TOKEN_STORE_UNAVAILABLE: { status: 503, kind: 'internal', message: 'Token records are unavailable; retry later' },
  // 502: the asset MDES sent cannot be used
  ASSET_BODY_INVALID: { status: 502, kind: 'bad-asset', message: 'The Get Asset body is not a valid mediaContents list' },
  ASSET_EMPTY: { status: 502, kind: 'bad-asset', message: 'The asset has no usable media entry' },
  ASSET_BASE64_INVALID: { status: 502, kind: 'bad-asset', message: 'The asset data is not valid base64' },
  ASSET_TOO_LARGE: { status: 502, kind: 'bad-asset', message: 'The asset is larger than 20 MB' },
  ASSET_FORMAT_UNSUPPORTED: { status: 502, kind: 'bad-asset', message: 'The asset is not PNG, PDF or SVG' },
  ASSET_MEDIA_INCONSISTENT: { status: 502, kind: 'bad-asset', message: 'The asset bytes do not match their kind' },
  PNG_INVALID: { status: 502, kind: 'bad-asset', message: 'The PNG asset cannot be decoded' },
  PNG_TOO_LARGE: { status: 502, kind: 'bad-asset', message: 'The PNG asset has more than 40 MP' },
  PDF_INVALID: { status: 502, kind: 'bad-asset', message: 'The PDF asset cannot be read' },
  PDF_ENCRYPTED: { status: 502, kind: 'bad-asset', message: 'The PDF asset is encrypted' },
  PDF_PAGE_SIZE_INVALID: { status: 502, kind: 'bad-asset', message: 'The PDF asset page size is empty or too large' },
  PDF_TOO_COMPLEX: { status: 502, kind: 'bad-asset', message: 'The PDF asset takes too long to render' },
  PDF_UNSAFE: { status: 502, kind: 'bad-asset', message: 'The PDF asset carries JavaScript actions' },
  SVG_INVALID: { status: 502, kind: 'bad-asset', message: 'The SVG asset cannot be rendered' },
  SVG_UNSAFE: { status: 502, kind: 'bad-asset', message: 'The SVG asset refers to scripts, entities or outside resources' },
  SVG_TOO_LARGE: { status: 502, kind: 'bad-asset', message: 'The SVG asset is larger than 5 MB' },
  SVG_TOO_COMPLEX: { status: 502, kind: 'bad-asset', message: 'The SVG asset takes too long or too much memory to render' },
  RASTERIZER_DIED: { status: 502, kind: 'internal', message: 'The rasterizer stopped during this render; try again' },
  // 502/503/504: MDES itself
  UPSTREAM_AUTH_FAILED: { status: 502, kind: 'upstream', message: 'MDES refused the service credentials' },
  UPSTREAM_ERROR: { status: 502, kind: 'upstream', message: 'MDES answered with an error' },
  UPSTREAM_BODY_INVALID: { status: 502, kind: 'upstream', message: 'MDES sent a body that cannot be read' },
  UPSTREAM_BAD_RESPONSE: { status: 502, kind: 'upstream', message: 'The stored MDES answer cannot be read' },
  UPSTREAM_RESPONSE_TOO_LARGE: { status: 502, kind: 'upstream', message: 'MDES sent more than 20 MB' },
  UPSTREAM_UNREACHABLE: { status: 502, kind: 'upstream', message: 'MDES cannot be reached' },
  UPSTREAM_TIMEOUT: { status: 504, kind: 'upstream', message: 'MDES did not answer in time' },
  UPSTREAM_RATE_LIMITED: { status: 503, kind: 'upstream', message: 'MDES is rate limiting requests; retry after Retry-After seconds' },
  // 503: this instance is busy or going away
  RENDER_QUEUE_FULL: { status: 503, kind: 'overload', message: 'Too many renders are waiting; retry shortly' },
  PREWARM_QUEUE_FULL: { status: 503, kind: 'overload', message: 'Too many assets are waiting to be fetched; retry later' },
  RENDER_POOL_CLOSED: { status: 503, kind: 'overload', message: 'The service is shutting down; retry on another instance' },
  RENDER_QUEUE_TIMEOUT: { status: 503, kind: 'overload', message: 'No render slot came free in time; retry shortly' },
  UPSTREAM_BUSY: { status: 503, kind: 'overload', message: 'This instance is at its MDES call budget; retry shortly' },
  PREWARM_UNAVAILABLE: { status: 503, kind: 'internal', message: 'The pre-warm queue cannot be recorded right now; retry later' },
  NTU_OVERLOADED: { status: 503, kind: 'overload', message: 'Too many notifications are being decrypted; retry after Retry-After seconds' },
  NTU_KEY_UNKNOWN: { status: 503, kind: 'internal', message: 'The payload is encrypted for a key this instance does not hold yet; retry later' },
  CACHE_STORE_UNAVAILABLE: { status: 503, kind: 'internal', message: 'The cache store is not reachable' },
  // 500: our own fault
  INTERNAL_ERROR: { status: 500, kind: 'internal', message: 'Something went wrong on our side' },
  RENDER_WORKER_FAILED: { status: 500, kind: 'internal', message: 'A render worker failed' },
  RENDER_SIZE_INVALID: { status: 500, kind: 'internal', message: 'A render was asked for an impossible size' },
  RASTERIZE_SIZE_MISMATCH: { status: 500, kind: 'internal', message: 'A rasterizer returned the wrong size' },
  CACHE_LOAD_INVALID: { status: 500, kind: 'internal', message: 'A cache loader returned no entry' },
  RASTERIZER_ANSWER_INVALID: { status: 500, kind: 'internal', message: 'The rasterizer process gave an unreadable answer' },
  CACHE_PATH_UNSAFE: { status: 500, kind: 'internal', message: 'A cache folder is not safe to use' },
  CACHE_ENTRY_TOO_LARGE: { status: 500, kind: 'internal', message: 'A cache entry exceeds the store bound', internalOnly: true },
  CONFIG_INVALID: { status: 500, kind: 'internal', message: 'The configuration is invalid', internalOnly: true },
  REQUEST_ABORTED: { status: 499, kind: 'internal', message: 'The caller gave up', internalOnly: true },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

export interface CardArtErrorOptions {
  cause?: unknown;
  /** Seconds a client should wait before retrying (sent as Retry-After), when known. */
  retryAfterSeconds?: number;
  /** The code's `alsoStatus` instead of its status (only that one is accepted). */
  status?: number;
  /** An asset's failure that depends on the size it was asked at (remembered for that size only, not the asset). */
  sizeSpecific?: boolean;
}

/** The one error type of card-art, made from a code of the table; `message` is the detail (for logs and the CLI). */
export class CardArtError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly kind: ErrorKind;
  readonly retryAfterSeconds: number | undefined;
  readonly sizeSpecific: boolean;

  constructor(code: ErrorCode, detail?: string, options: CardArtErrorOptions = {}) {
    const spec: ErrorSpec = ERRORS[code];
    super(detail ?? spec.message, { cause: options.cause });
    this.name = 'CardArtError';
    this.code = code;
    if (options.status !== undefined && options.status !== spec.status && options.status !== spec.alsoStatus) {
      throw new TypeError(`${code} is never answered with ${options.status}`);
    }
    this.status = options.status ?? spec.status;
    this.kind = spec.kind;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.sizeSpecific = options.sizeSpecific === true;
  }

  /** What a client may see: the detail of a bad-input error, else only the table's message. */
  get publicMessage(): string {
    return this.kind === 'bad-input' ? this.message : ERRORS[this.code].message;
  }
}

export function isCardArtError(error: unknown): error is CardArtError {
  return error instanceof CardArtError;
}
