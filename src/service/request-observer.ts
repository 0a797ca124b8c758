import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { requestLineWriter } from './request-log-line.ts';
import type { ServiceMetrics } from './service-metrics.ts';

/** The matched route pattern (never the URL: the query string may hold card digits). */
export function routePattern(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${req.baseUrl}${path}`;
  return req.res?.locals.routeLabel ?? 'unmatched';
}

/** The logged duration: milliseconds to one decimal. */
const durationMs = (seconds: number) => Math.round(seconds * 10_000) / 10;

export type RecordRequest = (method: string, route: string, status: number, seconds: number) => void;

export interface RequestRecorder {
  record: RecordRequest;
  /** record() for one fixed (method, route, status): logger and histogram series found once (the warm-hit fast path). */
  series(method: string, route: string, status: number): (seconds: number) => void;
}

/**
 * One log line and one histogram observation for an answered request (also used by the memory-hit fast path).
 * Lines go through a pino child per (method, route), whose fields pino serialises once: the same JSON line,
 * without serialising two strings per request (routes are patterns and node accepts a fixed set of methods).
 */
export function createRequestRecorder(log: Logger, metrics: ServiceMetrics): RequestRecorder {
  const loggers = new Map<string, Logger>();
  const routeLogger = (method: string, route: string): Logger => {
    const series = `${method} ${route}`;
    let routeLog = loggers.get(series);
    if (routeLog === undefined) {
      routeLog = log.child({ method, route });
      loggers.set(series, routeLog);
    }
    return routeLog;
  };
  return {
    record(method, route, status, seconds) {
      metrics.observeRequest(method, route, status, seconds);
      routeLogger(method, route).info({ status, durationMs: durationMs(seconds) }, 'request');
    },
    series(method, route, status) {
      const observe = metrics.requestSeries(method, route, status);
      // status bound too: pino writes bindings before the call's fields, so the line is the same as record()'s.
      const seriesLog = routeLogger(method, route).child({ status });
      const writeLine = requestLineWriter(seriesLog) ?? ((ms: number) => seriesLog.info({ durationMs: ms }, 'request'));
      return (seconds) => {
        observe(seconds);
        writeLine(durationMs(seconds));
      };
    },
  };
}

/** One log line and one histogram observation per request: method, route pattern, status, duration. */
export function observeRequests(log: Logger, metrics: ServiceMetrics, recordRequest: RecordRequest = createRequestRecorder(log, metrics).record) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const seconds = (performance.now() - started) / 1000;
      const route = routePattern(req);
      const status = res.writableFinished ? res.statusCode : 499;
      recordRequest(req.method, route, status, seconds);
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  };
}
