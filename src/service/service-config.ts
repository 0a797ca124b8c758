import { z } from 'zod';
import { DEFAULT_LAYER_CACHE_BYTES } from '../core/card-renderer.ts';
import { parseEnv } from '../config.ts';
import { readRateLimitPerMinute } from './rate-limit.ts';
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
  /** express 'trust proxy' (TRUST_PROXY): which proxies may tell the client IP; undefined = none. */
  trustProxy: boolean | number | string | undefined;
  logLevel: string;
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
});

/** "true"/"false", a hop count, or express's address list form ("loopback, 10.0.0.0/8"). */
function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

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
    issuerAccountRanges: e.ISSUER_ACCOUNT_RANGES?.split(','),
  };
}
