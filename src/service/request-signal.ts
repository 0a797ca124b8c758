import type { Request, Response } from 'express';
import { clientKey } from './rate-limit.ts';

/** Whose share of cold work a request counts against: its address as the rate limit sees it (TRUST_PROXY). */
export function renderClient(req: Request): string {
  return clientKey(req.ip ?? req.socket.remoteAddress);
}

/** Aborts when the client goes away before the response is finished. */
export function clientGoneSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new DOMException('The client closed the connection', 'AbortError'));
  });
  return controller.signal;
}
