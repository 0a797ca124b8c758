/**
 * The one configuration module: every environment variable in one zod schema (`envSchema`), each default once
 * with its reason, validated once at start. To add a variable: add one line at the end of `envSchema` (a
 * DEFAULT_ constant with a one-line reason above it when it has a default), map it into `Config` in
 * `loadConfig`, and add a row to the README configuration table (a test compares names and defaults).
 *
 * Blank values: a variable that is empty or only whitespace counts as unset (so its default applies); any other
 * value is used trimmed.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_LAYER_CACHE_BYTES } from './core/card-renderer.ts';
import { CardArtError } from './errors.ts';
import { loadCertificatePem, OAEP_DIGESTS, type OaepDigest } from './upstream/field-level-encryption.ts';
import { loadDecryptionKey, type DecryptionKeyMaterial } from './upstream/payload-decrypter.ts';
import { DEFAULT_CACHE_MAX_MB } from './cache/variant-bound.ts';
import { DEFAULT_RENDER_MAX_PER_CLIENT, DEFAULT_RENDER_QUEUE_WAIT_MS } from './service/client-render-gate.ts';
import { DEFAULT_READINESS_PROBE_INTERVAL_MS } from './service/readiness.ts';
import { DEFAULT_SOCKET_MAX_UNREAD_KB, DEFAULT_SOCKET_TIMEOUTS, type SocketTimeouts } from './service/socket-guard.ts';
import { isAddressOrCidr, parseTrustProxy } from './service/trust-proxy.ts';
import { DEFAULT_UPSTREAM_BUDGET_WAIT_MS, DEFAULT_UPSTREAM_MAX_RPS } from './upstream/upstream-budget.ts';
import { DEFAULT_CACHE_LOCK_TTL_MS, DEFAULT_CACHE_LOCK_WAIT_MS } from './cache/fleet-lock.ts';
import { DEFAULT_REDIS_PREFIX } from './cache/redis-store.ts';

/** The bundled sample assets the embedded simulator serves when SIMULATOR_ASSET_DIR is unset. */
export const BUNDLED_SAMPLES_DIR = fileURLToPath(new URL('./simulator/samples/', import.meta.url));

/** 8080: the port the HTTP contract fixes. */
export const DEFAULT_PORT = 8080;
/** Sandbox path of Get Asset; production drops `static/`, MTF uses `mtf/`. */
export const DEFAULT_MDES_ASSET_PATH = '/assets/static/1/0/asset';
/** MDES Token Connect's published prefix of getEligibleTokenRequestors. */
export const DEFAULT_MDES_TOKEN_CONNECT_PATH = '/connect/1/0';
/** MDES's published path of token requestor logos. */
export const DEFAULT_MDES_REQUESTOR_ASSET_PATH = '/issuer-assets/1/0/asset/tokenrequestor';
/** 5 s: MDES answers Get Asset in well under a second; longer means it is struggling. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 5000;
/** A folder beside the working directory: survives restarts, needs no setup. */
export const DEFAULT_CACHE_DIR = 'assets-cache';
/** 128 MB: holds several hundred rendered cards and their components. */
export const DEFAULT_MEMORY_CACHE_MB = 128;
/** 32 MB of rasterized layers (about four cards): repeat renders of a card with new text skip decode and resize. */
export const DEFAULT_LAYER_CACHE_MB = DEFAULT_LAYER_CACHE_BYTES / (1024 * 1024);
/**
 * One render per core, plus one: one client holds at most all slots but one (render-queue.ts), so a single client
 * still renders one per core (with cores − 1 a 2-core machine rendered at 0.60x of a bare sharp floor while a core
 * sat idle: issue #13, bench row 8) and another client's render never waits for one of its renders to end.
 */
export const DEFAULT_RENDER_CONCURRENCY = Math.max(1, availableParallelism()) + 1;
/** 64 waiting renders ≈ a few seconds of work; beyond that a client is better told to retry. */
export const DEFAULT_RENDER_QUEUE_LIMIT = 64;
/** 336 h = 14 days: MDES advises issuers to refresh the requestor list about every two weeks. */
export const DEFAULT_TOKEN_REQUESTORS_REFRESH_HOURS = 336;
/** 10 s: long enough to finish a queue of renders, short enough for an orchestrator's kill timeout. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** 0: off. A gateway usually sits behind its own edge limits; this is a per-instance backstop. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 0;
/** info: one line per request and per failure, nothing per cache hit. */
export const DEFAULT_LOG_LEVEL = 'info';
/** SHA-512: what the MDES sandbox uses to wrap the AES key of pushMultipleAccounts payloads. */
export const DEFAULT_MDES_OAEP_DIGEST: OaepDigest = 'SHA512';
/** The machine's host name: the host that answers is the one MDES called. */
export const DEFAULT_NTU_RESPONSE_HOST = hostname();
/**
 * 20 per second per client address: over 1.7 million notifications a day from one MDES address, while a flood of
 * undecryptable ones costs at most 20 RSA decryptions a second (one-second windows, so there is no minute-long burst).
 */
export const DEFAULT_NTU_RATE_LIMIT_PER_SECOND = 20;
/** 300 s: a bad or unknown asset is not fetched or rendered again for five minutes, yet a fix upstream is seen soon. */
export const DEFAULT_NEGATIVE_CACHE_SECONDS = 300;
/**
 * One rasterizer process per core (each ~100 MB idle, each under its own memory limit): one client is held to all
 * but one of them, so with two or more a client whose files take seconds to draw leaves a process to everyone else.
 */
export const DEFAULT_RASTERIZER_PROCESSES = Math.max(1, availableParallelism());
// Defaults stated (with their reasons) next to the modules they bound, imported here once:
// DEFAULT_RENDER_MAX_PER_CLIENT, DEFAULT_RENDER_QUEUE_WAIT_MS, DEFAULT_UPSTREAM_MAX_RPS, DEFAULT_UPSTREAM_BUDGET_WAIT_MS,
// DEFAULT_CACHE_MAX_MB, DEFAULT_READINESS_PROBE_INTERVAL_MS, DEFAULT_SOCKET_TIMEOUTS, DEFAULT_SOCKET_MAX_UNREAD_KB.

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const text = () => z.string();
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const number = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'expected a number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

/** Every environment variable card-art reads; values arrive as strings, blank ones already removed. */
export const envSchema = z.object({
  PORT: int(0, 65535).default(DEFAULT_PORT),
  SIMULATOR_ASSET_DIR: text().default(BUNDLED_SAMPLES_DIR),
  MDES_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  MDES_ASSET_PATH: text().default(DEFAULT_MDES_ASSET_PATH),
  MDES_TOKEN_CONNECT_PATH: text().default(DEFAULT_MDES_TOKEN_CONNECT_PATH),
  MDES_REQUESTOR_ASSET_PATH: text().default(DEFAULT_MDES_REQUESTOR_ASSET_PATH),
  MDES_CONSUMER_KEY: text().optional(),
  MDES_SIGNING_KEY: text().optional(),
  MDES_SIGNING_KEY_PASSWORD: text().optional(),
  UPSTREAM_TIMEOUT_MS: int(1, 120_000).default(DEFAULT_UPSTREAM_TIMEOUT_MS),
  CACHE_DIR: text().default(DEFAULT_CACHE_DIR),
  CACHE_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  MEMORY_CACHE_MB: int(1, 65_536).default(DEFAULT_MEMORY_CACHE_MB),
  LAYER_CACHE_MB: int(0, 4096).default(DEFAULT_LAYER_CACHE_MB),
  RENDER_CONCURRENCY: int(1, 64).default(DEFAULT_RENDER_CONCURRENCY),
  RENDER_QUEUE_LIMIT: int(0, 10_000).default(DEFAULT_RENDER_QUEUE_LIMIT),
  TOKEN_REQUESTORS_REFRESH_HOURS: number(0.001, 24 * 365).default(DEFAULT_TOKEN_REQUESTORS_REFRESH_HOURS),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(DEFAULT_SHUTDOWN_TIMEOUT_MS),
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(DEFAULT_RATE_LIMIT_PER_MINUTE),
  TRUST_PROXY: text().max(500).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default(DEFAULT_LOG_LEVEL),
  MDES_ENCRYPTION_CERT: text().optional(),
  MDES_OAEP_DIGEST: z.enum(OAEP_DIGESTS).default(DEFAULT_MDES_OAEP_DIGEST),
  MDES_DECRYPTION_KEY: text().optional(),
  MDES_DECRYPTION_KEY_PASSWORD: text().optional(),
  API_TOKENS: text().optional(),
  NTU_RESPONSE_HOST: text().max(255).default(DEFAULT_NTU_RESPONSE_HOST),
  NTU_ALLOWED_IPS: text().optional(),
  ISSUER_ACCOUNT_RANGES: text().max(25 * 20).regex(/^\d{9,19}(,\d{9,19}){0,24}$/, 'must list 1-25 account ranges of 9-19 digits, comma-separated').optional(),
  NEGATIVE_CACHE_SECONDS: int(0, 86_400).default(DEFAULT_NEGATIVE_CACHE_SECONDS),
  RENDER_MAX_PER_CLIENT: int(0, 10_000).default(DEFAULT_RENDER_MAX_PER_CLIENT),
  RENDER_QUEUE_WAIT_MS: int(1, 600_000).default(DEFAULT_RENDER_QUEUE_WAIT_MS),
  UPSTREAM_MAX_RPS: int(1, 100_000).default(DEFAULT_UPSTREAM_MAX_RPS),
  UPSTREAM_BUDGET_WAIT_MS: int(0, 60_000).default(DEFAULT_UPSTREAM_BUDGET_WAIT_MS),
  CACHE_MAX_MB: int(1, 16 * 1024 * 1024).default(DEFAULT_CACHE_MAX_MB),
  READINESS_PROBE_INTERVAL_MS: int(100, 3_600_000).default(DEFAULT_READINESS_PROBE_INTERVAL_MS),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(DEFAULT_SOCKET_TIMEOUTS.headersTimeoutMs),
  HTTP_REQUEST_TIMEOUT_MS: int(100, 600_000).default(DEFAULT_SOCKET_TIMEOUTS.requestTimeoutMs),
  HTTP_SOCKET_IDLE_TIMEOUT_MS: int(100, 600_000).default(DEFAULT_SOCKET_TIMEOUTS.socketIdleTimeoutMs),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000).default(DEFAULT_SOCKET_TIMEOUTS.keepAliveTimeoutMs),
  SOCKET_MAX_UNREAD_KB: int(1, 1024 * 1024).default(DEFAULT_SOCKET_MAX_UNREAD_KB),
  CACHE_KEY_PREFIX: text().regex(/^[\w:.-]{1,100}$/, 'letters, digits and ":_.-" only, at most 100').default(DEFAULT_REDIS_PREFIX),
  CACHE_LOCK_TTL_MS: int(500, 60_000).default(DEFAULT_CACHE_LOCK_TTL_MS),
  CACHE_LOCK_WAIT_MS: int(0, 120_000).default(DEFAULT_CACHE_LOCK_WAIT_MS),
  NTU_RATE_LIMIT_PER_SECOND: int(0, 100_000).default(DEFAULT_NTU_RATE_LIMIT_PER_SECOND),
  RASTERIZER_PROCESSES: int(1, 64).default(DEFAULT_RASTERIZER_PROCESSES),
});

export type EnvConfig = z.output<typeof envSchema>;

export interface MdesCredentials {
  consumerKey: string;
  signingKeyPath: string;
  signingKeyPassword: string | undefined;
}

export interface UpstreamConfig {
  /** Unset: run the embedded simulator. */
  baseUrl: string | undefined;
  assetPath: string;
  tokenConnectPath: string;
  requestorAssetPath: string;
  timeoutMs: number;
  credentials: MdesCredentials | undefined;
  simulatorAssetDir: string;
}

/** Settings of the HTTP service itself: the app factory, the render queue, the rate limit, the server. */
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
  logLevel: (typeof LOG_LEVELS)[number];
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
  /** Answers a socket may have unread before its next pipelined request waits (SOCKET_MAX_UNREAD_KB, in bytes). */
  socketMaxUnreadBytes: number;
  /** The issuer's account ranges (ISSUER_ACCOUNT_RANGES), for finding push / pull requestors by ID; undefined = the lists already fetched (embedded mode: the sample list's ranges). */
  issuerAccountRanges: string[] | undefined;
  /** Rasterizer child processes for PDFs and SVGs (RASTERIZER_PROCESSES). */
  rasterizerProcesses: number;
}

/** Token Connect push provisioning and the Notify Token Updated receiver. */
export interface ProvisioningConfig {
  /** Mastercard's encryption certificate (MDES_ENCRYPTION_CERT) as PEM; undefined against real MDES = push off. */
  encryptionCertificatePem: string | undefined;
  oaepDigest: OaepDigest;
  /**
   * Private key that opens Notify Token Updated payloads (MDES_DECRYPTION_KEY) as PEM, with the certificate the same
   * file carries (a .p12 does) for MDES's certificate fingerprint; undefined = receiver off.
   */
  decryptionKey: DecryptionKeyMaterial | undefined;
  /** Bearer tokens for the provisioning and Notify Token Updated endpoints (API_TOKENS); undefined = open (embedded simulator only). */
  apiTokens: string[] | undefined;
  /** `responseHost` of Notify Token Updated answers (NTU_RESPONSE_HOST, default the host name). */
  ntuResponseHost: string;
  /** Addresses / CIDRs allowed to post Notify Token Updated (NTU_ALLOWED_IPS); undefined = any. */
  ntuAllowedIps: string[] | undefined;
  /** Notify Token Updated requests per client address and second (NTU_RATE_LIMIT_PER_SECOND; 0 = off). */
  ntuRateLimitPerSecond: number;
}

/** The complete configuration: everything the composition root and the app factory need. */
export interface AppConfig {
  port: number;
  upstream: UpstreamConfig;
  provisioning: ProvisioningConfig;
  cacheDir: string;
  cacheUrl: string | undefined;
  memoryCacheBytes: number;
  /** How long an unknown asset ID or an asset that failed on its own is remembered (NEGATIVE_CACHE_SECONDS; 0 = never). */
  negativeCacheSeconds: number;
  service: ServiceConfig;
  /** Prefix of every Redis key (CACHE_KEY_PREFIX): several deployments or test runs can share one Redis. */
  cacheKeyPrefix: string;
  /** Fleet lock TTL (CACHE_LOCK_TTL_MS): how long a dead instance's lock delays the others at most. */
  cacheLockTtlMs: number;
  /** How long a miss waits for another instance's load (CACHE_LOCK_WAIT_MS) before loading itself. */
  cacheLockWaitMs: number;
}

/** The blank-value rule: empty or whitespace-only counts as unset; other values are trimmed. */
function withoutBlanks(env: Record<string, string | undefined>, names: readonly string[]): Record<string, string> {
  const cleaned: Record<string, string> = {};
  for (const name of names) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') cleaned[name] = value;
  }
  return cleaned;
}

/** Parses the variables of `schema` from `env` (blank rule applied); the first bad one fails as CONFIG_INVALID, naming it. */
export function parseEnv<T extends z.ZodObject>(schema: T, env: Record<string, string | undefined>): z.output<T> {
  const parsed = schema.safeParse(withoutBlanks(env, Object.keys(schema.shape)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') ?? 'environment';
    throw new CardArtError('CONFIG_INVALID', `${variable}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}

function mdesCredentials(e: EnvConfig): MdesCredentials | undefined {
  if (!e.MDES_BASE_URL) return undefined;
  if (!e.MDES_CONSUMER_KEY) throw new CardArtError('CONFIG_INVALID', 'MDES_CONSUMER_KEY is required when MDES_BASE_URL is set');
  if (!e.MDES_SIGNING_KEY) throw new CardArtError('CONFIG_INVALID', 'MDES_SIGNING_KEY is required when MDES_BASE_URL is set');
  if (!existsSync(e.MDES_SIGNING_KEY)) {
    throw new CardArtError('CONFIG_INVALID', `MDES_SIGNING_KEY: no readable file at ${e.MDES_SIGNING_KEY}`);
  }
  return { consumerKey: e.MDES_CONSUMER_KEY, signingKeyPath: e.MDES_SIGNING_KEY, signingKeyPassword: e.MDES_SIGNING_KEY_PASSWORD };
}

/** The service settings alone (tests of one setting); loadConfig reads them with everything else. */
export function loadServiceConfig(env: Record<string, string | undefined> = process.env): ServiceConfig {
  return loadConfig(env).service;
}

/** Reads and validates the whole environment once at start; a bad value fails here, naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const e = parseEnv(envSchema, env);
  return {
    port: e.PORT,
    provisioning: loadProvisioningConfig(e),
    upstream: {
      baseUrl: e.MDES_BASE_URL?.replace(/\/+$/, ''),
      assetPath: e.MDES_ASSET_PATH,
      tokenConnectPath: e.MDES_TOKEN_CONNECT_PATH,
      requestorAssetPath: e.MDES_REQUESTOR_ASSET_PATH,
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
      credentials: mdesCredentials(e),
      simulatorAssetDir: e.SIMULATOR_ASSET_DIR,
    },
    cacheDir: e.CACHE_DIR,
    cacheUrl: e.CACHE_URL,
    memoryCacheBytes: e.MEMORY_CACHE_MB * 1024 * 1024,
    negativeCacheSeconds: e.NEGATIVE_CACHE_SECONDS,
    cacheKeyPrefix: e.CACHE_KEY_PREFIX,
    cacheLockTtlMs: e.CACHE_LOCK_TTL_MS,
    cacheLockWaitMs: e.CACHE_LOCK_WAIT_MS,
    service: {
      renderConcurrency: e.RENDER_CONCURRENCY,
      renderQueueLimit: e.RENDER_QUEUE_LIMIT,
      tokenRequestorsRefreshMs: e.TOKEN_REQUESTORS_REFRESH_HOURS * 3_600_000,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      layerCacheBytes: e.LAYER_CACHE_MB * 1024 * 1024,
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
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
      socketMaxUnreadBytes: e.SOCKET_MAX_UNREAD_KB * 1024,
      issuerAccountRanges: e.ISSUER_ACCOUNT_RANGES?.split(','),
      rasterizerProcesses: e.RASTERIZER_PROCESSES,
    },
  };
}

function loadProvisioningConfig(e: EnvConfig): ProvisioningConfig {
  const encryptionCertificatePem = e.MDES_ENCRYPTION_CERT
    ? loadCertificatePem(e.MDES_ENCRYPTION_CERT, 'MDES_ENCRYPTION_CERT')
    : undefined;
  const decryptionKey = e.MDES_DECRYPTION_KEY
    ? loadDecryptionKey(e.MDES_DECRYPTION_KEY, e.MDES_DECRYPTION_KEY_PASSWORD, 'MDES_DECRYPTION_KEY')
    : undefined;
  const apiTokens = e.API_TOKENS?.split(',').map((token) => token.trim()).filter(Boolean);
  if (apiTokens?.some((token) => !/^[\x21-\x7e]{16,512}$/.test(token))) {
    throw new CardArtError('CONFIG_INVALID', 'API_TOKENS: each token must be 16–512 printable characters without spaces');
  }
  if (e.MDES_BASE_URL && (encryptionCertificatePem || decryptionKey) && !apiTokens?.length) {
    throw new CardArtError('CONFIG_INVALID', 'API_TOKENS is required when MDES_BASE_URL is set with MDES_ENCRYPTION_CERT or MDES_DECRYPTION_KEY');
  }
  const ntuAllowedIps = e.NTU_ALLOWED_IPS?.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of ntuAllowedIps ?? []) {
    if (!isAddressOrCidr(entry)) {
      throw new CardArtError('CONFIG_INVALID', `NTU_ALLOWED_IPS: "${entry}" is not an address or CIDR`);
    }
  }
  return {
    encryptionCertificatePem,
    oaepDigest: e.MDES_OAEP_DIGEST,
    decryptionKey,
    apiTokens: apiTokens?.length ? apiTokens : undefined,
    ntuResponseHost: e.NTU_RESPONSE_HOST,
    ntuAllowedIps: ntuAllowedIps?.length ? ntuAllowedIps : undefined,
    ntuRateLimitPerSecond: e.NTU_RATE_LIMIT_PER_SECOND,
  };
}
