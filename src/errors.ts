/** The one error type of card-art: an HTTP status and a stable SCREAMING_CASE code. */
export class CardArtError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds a client should wait before retrying (sent as Retry-After), when known. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'CardArtError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isCardArtError(error: unknown): error is CardArtError {
  return error instanceof CardArtError;
}
