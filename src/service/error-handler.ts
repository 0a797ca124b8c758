import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { CardArtError, isCardArtError } from '../errors.ts';
import { isAbort } from './rendered-image-cache.ts';

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Maps anything thrown to `{"error":{"code","message"}}`; never a stack, unknown errors become a logged 500. */
export function toCardArtError(error: unknown, log: Logger): CardArtError {
  if (isCardArtError(error)) return error;
  const parserType = (error as BodyParserError | undefined)?.type;
  if (parserType === 'entity.parse.failed') return new CardArtError('INVALID_JSON', 'The request body is not valid JSON');
  if (parserType === 'entity.too.large') return new CardArtError('PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (parserType === 'encoding.unsupported' || parserType === 'charset.unsupported') {
    return new CardArtError('UNSUPPORTED_MEDIA_TYPE', 'The request body encoding is not supported');
  }
  if (typeof parserType === 'string' && (error as BodyParserError).status === 400) {
    return new CardArtError('INVALID_JSON', 'The request body could not be read');
  }
  // express rejects a path with a bad %-escape with a URIError carrying status 400.
  if (error instanceof URIError && (error as BodyParserError).status === 400) {
    return new CardArtError('INVALID_REQUEST', 'The request path is not valid percent-encoding');
  }
  log.error({ err: error }, 'unexpected error');
  return new CardArtError('INTERNAL_ERROR', 'Something went wrong on our side');
}

export function errorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    // The client is gone (its request aborted our work): nobody to answer.
    if (req.socket.destroyed || (isAbort(error) && req.destroyed)) {
      res.locals.aborted = true;
      if (!res.headersSent) res.destroy();
      return;
    }
    if (res.headersSent) {
      next(error);
      return;
    }
    const mapped = toCardArtError(error, log);
    // Only bad-input details reach the client; every other detail is logged here under the same code.
    if (mapped.kind !== 'bad-input' && isCardArtError(error)) {
      const level = mapped.status >= 500 ? 'warn' : 'info';
      log[level]({ code: mapped.code, status: mapped.status, err: error.cause ?? undefined }, mapped.message);
    }
    sendError(res, mapped);
  };
}

export function sendError(res: Response, error: CardArtError): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(error.retryAfterSeconds)));
  res.removeHeader('ETag');
  res.setHeader('Cache-Control', 'no-store');
  res.status(error.status).json({ error: { code: error.code, message: error.publicMessage } });
}

export function notFoundHandler(req: Request, res: Response): void {
  res.locals.routeLabel = 'unmatched';
  sendError(res, new CardArtError('NOT_FOUND', `No route for ${req.method} on this path`));
}
