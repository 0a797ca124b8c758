import { Router } from 'express';
import type { Registry } from 'prom-client';
import { operations } from '../contract/operations.ts';
import { route } from '../contract/route.ts';
import type { Readiness } from '../readiness.ts';

export function healthRoutes(deps: { readiness: Readiness; registry: Registry }): Router {
  const router = Router();

  route(router, operations.getHealth, (_input, _req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });

  // 200 while this instance can serve; MDES and the cache store are reported, never fail it (see readiness.ts).
  route(router, operations.getReadiness, async (_input, _req, res) => {
    const report = await deps.readiness.report();
    res.setHeader('Cache-Control', 'no-store');
    res.status(report.ready ? 200 : 503).json({ status: report.status, checks: report.checks });
  });

  route(router, operations.getMetrics, async (_input, _req, res) => {
    const body = await deps.registry.metrics();
    res.setHeader('Content-Type', deps.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  });

  return router;
}
