import { Router } from 'express';
import type { Registry } from 'prom-client';
import { isCardArtError } from '../../errors.ts';
import { untilAborted } from '../../until-aborted.ts';
import { operations } from '../contract/operations.ts';
import { route } from '../contract/route.ts';

/** A readiness probe must answer quickly even when a dependency hangs. */
export const READINESS_CHECK_TIMEOUT_MS = 2000;

export interface ReadinessChecks {
  /** Resolves when the upstream (MDES or the embedded simulator) answers. */
  upstream: (signal: AbortSignal) => Promise<void>;
  /** Resolves when the persistent cache store answers. */
  cache: () => Promise<void>;
}

export function healthRoutes(deps: { checks: ReadinessChecks; registry: Registry }): Router {
  const router = Router();

  route(router, operations.getHealth, (_input, _req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });

  route(router, operations.getReadiness, async (_input, _req, res) => {
    const [upstream, cache] = await Promise.all([
      check((signal) => deps.checks.upstream(signal)),
      check(() => deps.checks.cache()),
    ]);
    const ready = upstream.ok && cache.ok;
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { upstream, cache } });
  });

  route(router, operations.getMetrics, async (_input, _req, res) => {
    const body = await deps.registry.metrics();
    res.setHeader('Content-Type', deps.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  });

  return router;
}

interface CheckResult {
  ok: boolean;
  error?: string;
}

async function check(run: (signal: AbortSignal) => Promise<void>): Promise<CheckResult> {
  const signal = AbortSignal.timeout(READINESS_CHECK_TIMEOUT_MS);
  try {
    await untilAborted(run(signal), signal);
    return { ok: true };
  } catch (error) {
    // Codes only: messages from a driver could carry hosts or credentials.
    return { ok: false, error: isCardArtError(error) ? error.code : signal.aborted ? 'TIMEOUT' : 'UNREACHABLE' };
  }
}
