import { z } from 'zod';
import { DEFAULT_LAYER_CACHE_BYTES } from '../core/card-renderer.ts';
import { parseEnv } from '../config.ts';
import { readRateLimitPerMinute } from './rate-limit.ts';
import { parseTrustProxy } from './trust-proxy.ts';
import { DEFAULT_UPSTREAM_BUDGET_WAIT_MS, DEFAULT_UPSTREAM_MAX_RPS } from '../upstream/upstream-budget.ts';
import { DEFAULT_SOCKET_TIMEOUTS, type SocketTimeouts } from './socket-guard.ts';
import { DEFAULT_RENDER_MAX_PER_CLIENT, DEFAULT_RENDER_QUEUE_WAIT_MS } from './client-render-gate.ts';
import { DEFAULT_CACHE_MAX_MB } from '../cache/variant-bound.ts';
import { DEFAULT_READINESS_PROBE_INTERVAL_MS } from './readiness.ts';
import { DEFAULT_RENDER_CONCURRENCY, DEFAULT_RENDER_QUEUE_LIMIT } from './create-app.ts';
import { DEFAULT_TOKEN_REQUESTORS_REFRESH_HOURS } from './token-requestor-directory.ts';

/** 10 s: long enough to finish a queue of renders, short enough for an orchestrator's kill timeout. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** 32 MB of rasterized layers (about four cards): repeat renders of a card with new text skip decode and resize. */
export const DEFAULT_LAYER_CACHE_MB = DEFAULT_LAYER_CACHE_BYTES / (1024 * 1024);

/** Settings of the HTTP service itself (the shared ones live in src/config.ts). */
export interface ServiceConfig {
  renderConcurrency: number;
  renderQueueLimit: number;
  tokenRequestorsRefreshMs: number;
  shutdownTimeoutMs: number;
  /** Byte bound of the renderer's rasterized-layer cache (LAYER_CACHE_MB; 0 disables it). */
  layerCacheBytes: number;
  /** Image requests per client IP and minute (RATE_LIMIT_PER_MINUTE; 0 = off). */
  rateLimitPerMinute: number;
  /** express 'trust proxy' (TRUST_PROXY): addresses / CIDRs of proxies that may tell the client IP; undefined = none. */
  trustProxy: string[] | undefined;
  logLevel: string;
  /** Cold renders queued or running per client address (RENDER_MAX_PER_CLIENT; 0 = no per-client bound). */
  renderMaxPerClient: number;
  /** Longest wait for a render slot before 503 RENDER_QUEUE_TIMEOUT (RENDER_QUEUE_WAIT_MS). */
  renderQueueWaitMs: number;
  /** MDES calls per second from this instance (UPSTREAM_MAX_RPS). */
  upstreamMaxRps: number;
  /** Longest wait for MDES budget before 503 UPSTREAM_BUSY (UPSTREAM_BUDGET_WAIT_MS). */
  upstreamBudgetWaitMs: number;
  /** Byte bound of rendered variants in the persistent tier (CACHE_MAX_MB); assets are not counted. */
  cacheMaxBytes: number;
  /** How often /readyz may probe MDES at most (READINESS_PROBE_INTERVAL_MS). */
  readinessProbeIntervalMs: number;
  /** The HTTP server's socket timeouts (HTTP_*_TIMEOUT_MS). */
  socketTimeouts: SocketTimeouts;
  /** The issuer's account ranges (ISSUER_ACCOUNT_RANGES), for finding push / pull requestors by ID; undefined = the lists already fetched (embedded mode: the sample list's ranges). */
  issuerAccountRanges: string[] | undefined;
}

const serviceEnvSchema = z.object({
  RENDER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(DEFAULT_RENDER_CONCURRENCY),
  RENDER_QUEUE_LIMIT: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_RENDER_QUEUE_LIMIT),
  TOKEN_REQUESTORS_REFRESH_HOURS: z.coerce.number().positive().max(24 * 365).default(DEFAULT_TOKEN_REQUESTORS_REFRESH_HOURS),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(DEFAULT_SHUTDOWN_TIMEOUT_MS),
  LAYER_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(DEFAULT_LAYER_CACHE_MB),
  TRUST_PROXY: z.string().max(500).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ISSUER_ACCOUNT_RANGES: z.string().max(25 * 20).regex(/^\d{9,19}(,\d{9,19}){0,24}$/, 'must list 1-25 account ranges of 9-19 digits, comma-separated').optional(),
  RENDER_MAX_PER_CLIENT: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_RENDER_MAX_PER_CLIENT),
  RENDER_QUEUE_WAIT_MS: z.coerce.number().int().min(1).max(600_000).default(DEFAULT_RENDER_QUEUE_WAIT_MS),
  UPSTREAM_MAX_RPS: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_UPSTREAM_MAX_RPS),
  UPSTREAM_BUDGET_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(DEFAULT_UPSTREAM_BUDGET_WAIT_MS),
  CACHE_MAX_MB: z.coerce.number().int().min(1).max(16 * 1024 * 1024).default(DEFAULT_CACHE_MAX_MB),
  READINESS_PROBE_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(DEFAULT_READINESS_PROBE_INTERVAL_MS),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_SOCKET_TIMEOUTS.headersTimeoutMs),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_SOCKET_TIMEOUTS.requestTimeoutMs),
  HTTP_SOCKET_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_SOCKET_TIMEOUTS.socketIdleTimeoutMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(DEFAULT_SOCKET_TIMEOUTS.keepAliveTimeoutMs),
});


/** Reads the service's own environment variables once at start; a bad value fails naming the variable. */
export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const cleaned = Object.fromEntries(
    Object.keys(serviceEnvSchema.shape).map((name) => [name, env[name]?.trim() === '' ? undefined : env[name]?.trim()]),
  );
  const e = parseEnv(serviceEnvSchema, cleaned);
  return {
    renderConcurrency: e.RENDER_CONCURRENCY,
    renderQueueLimit: e.RENDER_QUEUE_LIMIT,
    tokenRequestorsRefreshMs: e.TOKEN_REQUESTORS_REFRESH_HOURS * 3_600_000,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    layerCacheBytes: e.LAYER_CACHE_MB * 1024 * 1024,
    rateLimitPerMinute: readRateLimitPerMinute(env),
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    logLevel: e.LOG_LEVEL,
    renderMaxPerClient: e.RENDER_MAX_PER_CLIENT,
    renderQueueWaitMs: e.RENDER_QUEUE_WAIT_MS,
    upstreamMaxRps: e.UPSTREAM_MAX_RPS,
    upstreamBudgetWaitMs: e.UPSTREAM_BUDGET_WAIT_MS,
    cacheMaxBytes: e.CACHE_MAX_MB * 1024 * 1024,
    readinessProbeIntervalMs: e.READINESS_PROBE_INTERVAL_MS,
    socketTimeouts: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      socketIdleTimeoutMs: e.HTTP_SOCKET_IDLE_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    issuerAccountRanges: e.ISSUER_ACCOUNT_RANGES?.split(','),
  };
}
