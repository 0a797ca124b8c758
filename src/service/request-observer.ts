import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ServiceMetrics } from './service-metrics.ts';

/** The matched route pattern (never the URL: the query string may hold card digits). */
export function routePattern(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  return req.res?.locals.routeLabel ?? 'unmatched';
}

/** One log line and one histogram observation for an answered request (also used by the memory-hit fast path). */
export function recordRequest(log: Logger, metrics: ServiceMetrics, method: string, route: string, status: number, seconds: number): void {
  metrics.observeRequest(method, route, status, seconds);
  log.info({ method, route, status, durationMs: Math.round(seconds * 10_000) / 10 }, 'request');
}

/** One log line and one histogram observation per request: method, route pattern, status, duration. */
export function observeRequests(log: Logger, metrics: ServiceMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = (performance.now() - started) / 1000;
      const route = routePattern(req);
      const status = res.writableFinished ? res.statusCode : 499;
      recordRequest(log, metrics, req.method, route, status, seconds);
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };
}
