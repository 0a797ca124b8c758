import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheStats } from '../cache/cache-types.ts';
import type { LayerCacheStats } from '../core/card-renderer.ts';
import type { UpstreamStats } from '../upstream/http-asset-source.ts';
import { createRequestDurationHistogram } from './request-duration-histogram.ts';


export interface ServiceMetricsSources {
  cacheStats: () => CacheStats;
  upstreamStats?: () => UpstreamStats;
  renderQueue: { waiting(): number; running(): number };
  layerCacheStats?: () => LayerCacheStats;
  /** Cold renders refused with 429 RENDER_CLIENT_LIMIT so far. */
  renderClientRefused?: () => number;
  isolationStats?: () => IsolationStats;
}

/** Running totals of refusals and isolation events outside the app (MDES budget, rasterizer, remembered failures). */
export interface IsolationStats {
  /** MDES calls refused with 503 UPSTREAM_BUSY. */
  upstreamBudgetRefused: number;
  /** Rasterizer processes that died or were killed and replaced. */
  rasterizerRestarts: number;
  /** Requests answered from a remembered failure. */
  rememberedFailureHits: number;
}

export interface ServiceMetrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** observeRequest for one fixed (method, route, status), with the series looked up once. */
  requestSeries(method: string, route: string, status: number): (seconds: number) => void;
  observeRender(kind: 'card' | 'asset' | 'requestor-logo', seconds: number): void;
}

/** A registry of its own per app (never prom-client's global one), so apps and tests do not share counters. */
export function createServiceMetrics(sources: ServiceMetricsSources): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requestDuration = createRequestDurationHistogram({
    name: 'card_art_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  });
  const renderDuration = new Histogram({
    name: 'card_art_render_duration_seconds',
    help: 'Time spent rendering an image (queue wait excluded)',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rendersTotal = new Counter({
    name: 'card_art_renders_total',
    help: 'Renders completed (one render serves every identical concurrent request)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'card_art_layer_cache_bytes',
    help: "Bytes of rasterized layers held by the renderer's layer cache",
    registers: [registry],
    collect() {
      this.set(sources.layerCacheStats?.().bytes ?? 0);
    },
  });
  new Counter({
    name: 'card_art_layer_cache_lookups_total',
    help: 'Rasterized-layer lookups by result (a miss rasterizes)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const stats = sources.layerCacheStats?.();
      this.reset();
      this.inc({ result: 'hit' }, stats?.hits ?? 0);
      this.inc({ result: 'miss' }, stats?.misses ?? 0);
    },
  });

  const perTier = [
    ['hits', 'Cache hits per tier'],
    ['misses', 'Cache misses per tier'],
    ['errors', 'Cache tier errors (each one degraded to the next tier)'],
  ] as const;
  for (const [counter, help] of perTier) {
    new Counter({
      name: `card_art_cache_${counter}_total`,
      help,
      labelNames: ['tier'] as const,
      registers: [registry],
      collect() {
        const stats = sources.cacheStats();
        this.reset();
        this.inc({ tier: 'memory' }, stats.memory[counter]);
        this.inc({ tier: 'persistent' }, stats.persistent[counter]);
      },
    });
  }
  new Counter({
    name: 'card_art_cache_loads_total',
    help: 'Cache misses that ran their loader (upstream fetch or render), by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const stats = sources.cacheStats();
      this.reset();
      this.inc({ outcome: 'success' }, Math.max(0, stats.loads - stats.loadFailures));
      this.inc({ outcome: 'failure' }, stats.loadFailures);
    },
  });
  new Counter({
    name: 'card_art_cache_coalesced_waits_total',
    help: 'Requests that waited for an identical in-flight load instead of starting their own',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.cacheStats().coalescedWaits);
    },
  });
  new Counter({
    name: 'card_art_cache_fleet_lock_total',
    help: 'Cold misses under the fleet-wide lock (CACHE_URL), by outcome: acquired (loaded here), waited, served_after_wait, took_over, unavailable, wait_timeout',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const stats = sources.cacheStats().fleetLock;
      this.reset();
      this.inc({ outcome: 'acquired' }, stats.acquired);
      this.inc({ outcome: 'waited' }, stats.waited);
      this.inc({ outcome: 'served_after_wait' }, stats.servedAfterWait);
      this.inc({ outcome: 'took_over' }, stats.tookOver);
      this.inc({ outcome: 'unavailable' }, stats.unavailable);
      this.inc({ outcome: 'wait_timeout' }, stats.waitTimeouts);
    },
  });
  new Gauge({
    name: 'card_art_memory_cache_bytes',
    help: 'Bytes held by the in-process cache',
    registers: [registry],
    collect() {
      this.set(sources.cacheStats().memoryBytes);
    },
  });
  new Counter({
    name: 'card_art_upstream_calls_total',
    help: 'Upstream calls per operation (retries not included)',
    labelNames: ['operation'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [operation, value] of Object.entries(sources.upstreamStats?.().calls ?? {})) this.inc({ operation }, value);
    },
  });
  new Counter({
    name: 'card_art_upstream_errors_total',
    help: 'Failed upstream calls per final error code',
    labelNames: ['code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, value] of Object.entries(sources.upstreamStats?.().errors ?? {})) this.inc({ code }, value);
    },
  });
  new Counter({
    name: 'card_art_upstream_retries_total',
    help: 'Extra upstream attempts after a retryable failure',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.upstreamStats?.().retries ?? 0);
    },
  });
  new Gauge({
    name: 'card_art_render_queue_length',
    help: 'Renders waiting for a slot',
    registers: [registry],
    collect() {
      this.set(sources.renderQueue.waiting());
    },
  });
  new Gauge({
    name: 'card_art_renders_in_progress',
    help: 'Renders running now',
    registers: [registry],
    collect() {
      this.set(sources.renderQueue.running());
    },
  });

  const totals = [
    ['card_art_render_client_refused_total', 'Cold renders refused with 429 RENDER_CLIENT_LIMIT: the client already had RENDER_MAX_PER_CLIENT queued or running', () => sources.renderClientRefused?.()],
    ['card_art_upstream_budget_refused_total', 'MDES calls refused with 503 UPSTREAM_BUSY: the UPSTREAM_MAX_RPS budget stayed used up past UPSTREAM_BUDGET_WAIT_MS', () => sources.isolationStats?.().upstreamBudgetRefused],
    ['card_art_rasterizer_restarts_total', 'Rasterizer processes that died or were killed (over their time or memory limit) and were replaced', () => sources.isolationStats?.().rasterizerRestarts],
    ['card_art_remembered_failure_hits_total', 'Requests answered from a remembered failure (NEGATIVE_CACHE_SECONDS) without fetching or rendering', () => sources.isolationStats?.().rememberedFailureHits],
  ] as const;
  for (const [name, help, read] of totals) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read() ?? 0);
      },
    });
  }

  return {
    registry,
    observeRequest: (method, route, status, seconds) => requestDuration.observe(method, route, status, seconds),
    requestSeries: (method, route, status) => requestDuration.series(method, route, status),
    observeRender(kind, seconds) {
      renderDuration.observe({ kind }, seconds);
      rendersTotal.inc({ kind });
    },
  };
}
