/**
 * The Notify Token Updated receiver MDES calls, at `/digitization/1/0/notifyTokenUpdated` and under
 * `/digitization/static/1/0/`. Mounted before the app's JSON parser: the caller is checked against
 * NTU_ALLOWED_IPS and against its rate (NTU_RATE_LIMIT_PER_SECOND) before any byte of the body is read, and the body
 * has its own bound. Errors use MDES's shape.
 */
import { randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { CardArtError } from '../../errors.ts';
import { NTU_BODY_LIMIT_BYTES } from '../contract/token-schemas.ts';
import { toCardArtError } from '../error-handler.ts';
import type { NtuReceiver } from '../ntu-receiver.ts';

export const NTU_PATHS = ['/digitization/1/0/notifyTokenUpdated', '/digitization/static/1/0/notifyTokenUpdated'];

export interface NtuRouteDeps {
  /** Undefined: the receiver is off (MDES_BASE_URL without MDES_DECRYPTION_KEY) and answers 501 NOT_CONFIGURED. */
  receiver: NtuReceiver | undefined;
  responseHost: string;
  /** From NTU_ALLOWED_IPS; undefined = any caller. Sees `req.ip`, so TRUST_PROXY decides which address that is. */
  isCallerAllowed: ((address: string | undefined) => boolean) | undefined;
  /** The per-client rate (NTU_RATE_LIMIT_PER_SECOND); refuses with 503 RATE_LIMITED + Retry-After, which MDES retries. */
  rateLimit: RequestHandler;
  log: Logger;
}

export function notifyTokenUpdatedRoutes(deps: NtuRouteDeps): Router {
  const router = Router();
  const parseBody = express.json({ limit: NTU_BODY_LIMIT_BYTES, type: ['application/json', 'application/*+json'] });

  router.post(
    NTU_PATHS,
    (req, res, next) => {
      res.locals.routeLabel = '/digitization/1/0/notifyTokenUpdated';
      if (deps.isCallerAllowed && !deps.isCallerAllowed(req.ip)) {
        // Not read: the connection closes after the answer instead of draining a body we refused.
        res.setHeader('Connection', 'close');
        next(new CardArtError('NTU_CALLER_NOT_ALLOWED', 'This caller may not send Notify Token Updated'));
        return;
      }
      if (!deps.receiver) {
        next(new CardArtError('NOT_CONFIGURED', 'Notify Token Updated is not configured (MDES_DECRYPTION_KEY)'));
        return;
      }
      next();
    },
    (req, res, next) =>
      deps.rateLimit(req, res, (error?: unknown) => {
        if (error) res.setHeader('Connection', 'close'); // refused unread, as above
        next(error);
      }),
    parseBody,
    async (req, res) => {
      if (!req.is('application/json') && !req.is('application/*+json')) {
        throw new CardArtError('UNSUPPORTED_MEDIA_TYPE', 'Notify Token Updated must be sent as application/json');
      }
      const outcome = await deps.receiver!.receive(req.body);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).json({ responseHost: deps.responseHost, responseId: outcome.responseId });
    },
  );

  // MDES's error shape for everything on these paths: 4xx means "do not retry", 5xx (503 + Retry-After) "retry".
  router.use(NTU_PATHS, (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent || req.socket.destroyed) {
      next(error);
      return;
    }
    const mapped = toCardArtError(error, deps.log);
    if (mapped.status >= 500 && mapped.status !== 501) deps.log.warn({ code: mapped.code, err: (error as Error)?.cause }, mapped.message);
    if (mapped.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(mapped.retryAfterSeconds)));
    res.setHeader('Cache-Control', 'no-store');
    res.status(mapped.status).json({
      errorCode: mapped.code,
      errorDescription: mapped.publicMessage,
      responseHost: deps.responseHost,
      responseId: randomUUID(),
      errors: [
        {
          source: 'INPUT',
          errorCode: mapped.code,
          description: mapped.publicMessage,
          reasonCode: mapped.code,
          recoverable: mapped.status >= 500,
        },
      ],
    });
  });

  return router;
}
