/**
 * What /readyz reports. Ready (200) while the instance can serve: listening, not draining, renderer alive.
 * MDES and the cache store are reported as `ok` / `degraded` in the body and never fail readiness: cached cards
 * are still served when either is down, and an orchestrator pulling every instance at once helps nobody. So is the
 * rasterizer's colour management (its start-up self-check): without it PDFs are still drawn, with approximate colours.
 * MDES is never called per request: its state comes from the outcomes of real upstream calls, and a probe runs
 * at most once per interval (in the background once a first result exists).
 */
import { isCardArtError } from '../errors.ts';
import { untilAborted } from '../until-aborted.ts';

/** 10 s: an orchestrator probes every few seconds; MDES sees at most one probe per instance per interval. */
export const DEFAULT_READINESS_PROBE_INTERVAL_MS = 10_000;
/** A dependency check must answer quickly even when the dependency hangs. */
export const READINESS_CHECK_TIMEOUT_MS = 2000;
/** The cache store is asked at most once a second (a local folder or a Redis PING; cheap, but not per request). */
const CACHE_PING_INTERVAL_MS = 1000;

export type DependencyStatus = 'ok' | 'degraded';

export interface DependencyReport {
  status: DependencyStatus;
  /** A stable code when degraded (never a driver's message: those can carry hosts). */
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  status: 'ready' | 'draining' | 'unavailable';
  checks: { upstream: DependencyReport; cache: DependencyReport; renderer: DependencyReport; colour?: DependencyReport };
}

export interface ReadinessOptions {
  /** One probe of MDES (or the embedded simulator). */
  probeUpstream: (signal: AbortSignal) => Promise<void>;
  pingCache: () => Promise<void>;
  /** False once the renderer cannot render any more (e.g. its worker died for good). */
  rendererAlive?: () => boolean;
  /** The outcome of the rasterizer's colour-management self-check, run once at start (reported as `colour`). */
  colourCheck?: Promise<DependencyReport>;
  intervalMs?: number;
  now?: () => number;
}

export interface Readiness {
  report(): Promise<ReadinessReport>;
  /** Records the outcome of a real upstream call (did MDES answer?). */
  recordUpstream(answered: boolean): void;
  /** From now on /readyz answers 503 draining. */
  startDraining(): void;
  /** MDES probes sent so far. */
  probes(): number;
}

interface Observation {
  report: DependencyReport;
  at: number;
}

export function createReadiness(options: ReadinessOptions): Readiness {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? DEFAULT_READINESS_PROBE_INTERVAL_MS;
  let upstream: Observation | undefined;
  let cache: Observation | undefined;
  let probing: Promise<void> | undefined;
  let cachePinging: Promise<void> | undefined;
  let draining = false;
  let probes = 0;
  let colour: DependencyReport | undefined;
  let colourWaited = false;
  const colourCheck = options.colourCheck?.then(
    (report) => (colour = report),
    () => (colour = { status: 'degraded', error: 'COLOUR_CHECK_FAILED' }),
  );

  const fresh = (observation: Observation | undefined, maxAgeMs: number) =>
    observation !== undefined && now() - observation.at < maxAgeMs;

  function probeUpstream(): Promise<void> {
    probing ??= (async () => {
      probes += 1;
      const report = await check((signal) => options.probeUpstream(signal));
      upstream = { report, at: now() };
    })().finally(() => {
      probing = undefined;
    });
    return probing;
  }

  function pingCache(): Promise<void> {
    cachePinging ??= (async () => {
      cache = { report: await check(() => options.pingCache()), at: now() };
    })().finally(() => {
      cachePinging = undefined;
    });
    return cachePinging;
  }

  return {
    async report() {
      if (!fresh(upstream, intervalMs)) {
        const probe = probeUpstream();
        if (upstream === undefined) await probe; // the very first report waits once; later ones never do
      }
      if (!fresh(cache, CACHE_PING_INTERVAL_MS)) {
        const ping = pingCache();
        if (cache === undefined) await ping;
        else void ping;
      }
      const renderer: DependencyReport =
        options.rendererAlive === undefined || options.rendererAlive() ? { status: 'ok' } : { status: 'degraded', error: 'RENDERER_DOWN' };
      // The very first report waits for the self-check (bounded, as the first MDES probe); later ones never do.
      if (colourCheck && colour === undefined && !colourWaited) {
        colourWaited = true;
        await check(() => colourCheck.then(() => {}));
      }
      const ready = !draining && renderer.status === 'ok';
      return {
        ready,
        status: draining ? 'draining' : ready ? 'ready' : 'unavailable',
        checks: {
          upstream: upstream?.report ?? { status: 'ok' },
          cache: cache?.report ?? { status: 'ok' },
          renderer,
          ...(colourCheck ? { colour: colour ?? { status: 'degraded', error: 'COLOUR_CHECK_PENDING' } } : {}),
        },
      };
    },
    recordUpstream(answered) {
      upstream = { report: answered ? { status: 'ok' } : { status: 'degraded', error: 'UPSTREAM_UNREACHABLE' }, at: now() };
    },
    startDraining() {
      draining = true;
    },
    probes: () => probes,
  };
}

async function check(run: (signal: AbortSignal) => Promise<void>): Promise<DependencyReport> {
  const signal = AbortSignal.timeout(READINESS_CHECK_TIMEOUT_MS);
  try {
    await untilAborted(run(signal), signal);
    return { status: 'ok' };
  } catch (error) {
    return { status: 'degraded', error: isCardArtError(error) ? error.code : signal.aborted ? 'TIMEOUT' : 'UNREACHABLE' };
  }
}
