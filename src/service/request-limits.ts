import type { NextFunction, Request, Response } from 'express';
import { CardArtError } from '../errors.ts';

/** 8 KiB, nginx's default line limit: a productConfig with text needs well under 2 KiB. */
export const MAX_URL_BYTES = 8 * 1024;
/** A productConfig has about ten fields; 100 keys leave room and stop a flood before the parser (which drops past 1000). */
export const MAX_QUERY_KEYS = 100;
/**
 * Node's maxHeaderSize for the service (request line + headers): 128 KiB lets an over-long URL reach the edge
 * check below and get a clean 414 instead of a parser error and a connection reset.
 */
export const MAX_HEADER_BYTES = 128 * 1024;

/** First middleware: 414 URI_TOO_LONG past MAX_URL_BYTES, 400 TOO_MANY_QUERY_KEYS past MAX_QUERY_KEYS. */
export function enforceRequestLimits(req: Request, _res: Response, next: NextFunction): void {
  const url = req.originalUrl ?? req.url;
  if (Buffer.byteLength(url) > MAX_URL_BYTES) {
    next(new CardArtError('URI_TOO_LONG', `The request URL is longer than ${MAX_URL_BYTES} bytes`));
    return;
  }
  const start = url.indexOf('?');
  if (start >= 0) {
    let keys = 0;
    for (const part of url.slice(start + 1).split('&')) if (part !== '') keys += 1;
    if (keys > MAX_QUERY_KEYS) {
      next(new CardArtError('TOO_MANY_QUERY_KEYS', `The query has ${keys} parameters; at most ${MAX_QUERY_KEYS} are accepted`));
      return;
    }
  }
  next();
}
