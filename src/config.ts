import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CardArtError } from './errors.ts';
import { loadCertificatePem, loadPrivateKeyPem, OAEP_DIGESTS, type OaepDigest } from './upstream/field-level-encryption.ts';
import { DEFAULT_CACHE_LOCK_TTL_MS, DEFAULT_CACHE_LOCK_WAIT_MS } from './cache/fleet-lock.ts';
import { DEFAULT_REDIS_PREFIX } from './cache/redis-store.ts';

/** The bundled sample assets the embedded simulator serves when SIMULATOR_ASSET_DIR is unset. */
export const BUNDLED_SAMPLES_DIR = fileURLToPath(new URL('./simulator/samples/', import.meta.url));

/** 8080: the port DESIGN §3 fixes. */
export const DEFAULT_PORT = 8080;
/** Sandbox path of Get Asset; production drops `static/`, MTF uses `mtf/`. */
export const DEFAULT_MDES_ASSET_PATH = '/assets/static/1/0/asset';
export const DEFAULT_MDES_TOKEN_CONNECT_PATH = '/connect/1/0';
export const DEFAULT_MDES_REQUESTOR_ASSET_PATH = '/issuer-assets/1/0/asset/tokenrequestor';
/** 5 s: MDES answers Get Asset in well under a second; longer means it is struggling. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 5000;
export const DEFAULT_CACHE_DIR = 'assets-cache';
/** 128 MB: holds several hundred rendered cards and their components. */
export const DEFAULT_MEMORY_CACHE_MB = 128;
/** 300 s: a bad or unknown asset is not fetched or rendered again for five minutes, yet a fix upstream is seen soon. */
export const DEFAULT_NEGATIVE_CACHE_SECONDS = 300;
/** SHA-512: what the MDES sandbox uses to wrap the AES key of pushMultipleAccounts payloads. */
export const DEFAULT_MDES_OAEP_DIGEST: OaepDigest = 'SHA512';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().positive().max(max).default(fallback);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_PORT),
  SIMULATOR_ASSET_DIR: optionalString,
  MDES_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  MDES_ASSET_PATH: z.string().default(DEFAULT_MDES_ASSET_PATH),
  MDES_TOKEN_CONNECT_PATH: z.string().default(DEFAULT_MDES_TOKEN_CONNECT_PATH),
  MDES_REQUESTOR_ASSET_PATH: z.string().default(DEFAULT_MDES_REQUESTOR_ASSET_PATH),
  MDES_CONSUMER_KEY: optionalString,
  MDES_SIGNING_KEY: optionalString,
  MDES_SIGNING_KEY_PASSWORD: z.string().optional(),
  UPSTREAM_TIMEOUT_MS: positiveInt(DEFAULT_UPSTREAM_TIMEOUT_MS, 120_000),
  CACHE_DIR: z.string().min(1).default(DEFAULT_CACHE_DIR),
  CACHE_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  MEMORY_CACHE_MB: positiveInt(DEFAULT_MEMORY_CACHE_MB, 65_536),
  MDES_ENCRYPTION_CERT: optionalString,
  MDES_OAEP_DIGEST: optionalString.pipe(z.enum(OAEP_DIGESTS).default(DEFAULT_MDES_OAEP_DIGEST)),
  MDES_DECRYPTION_KEY: optionalString,
  MDES_DECRYPTION_KEY_PASSWORD: z.string().optional(),
  API_TOKENS: optionalString,
  NTU_RESPONSE_HOST: optionalString,
  NTU_ALLOWED_IPS: optionalString,
  NEGATIVE_CACHE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(DEFAULT_NEGATIVE_CACHE_SECONDS),
  CACHE_KEY_PREFIX: z.string().regex(/^[\w:.-]{0,100}$/, 'letters, digits and ":_.-" only, at most 100').default(DEFAULT_REDIS_PREFIX),
  CACHE_LOCK_TTL_MS: z.coerce.number().int().min(500).max(60_000).default(DEFAULT_CACHE_LOCK_TTL_MS),
  CACHE_LOCK_WAIT_MS: z.coerce.number().int().min(0).max(120_000).default(DEFAULT_CACHE_LOCK_WAIT_MS),
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

/** Token Connect push provisioning (§8) and the Notify Token Updated receiver (§10). */
export interface ProvisioningConfig {
  /** Mastercard's encryption certificate (MDES_ENCRYPTION_CERT) as PEM; undefined against real MDES = push off. */
  encryptionCertificatePem: string | undefined;
  oaepDigest: OaepDigest;
  /** Private key that opens Notify Token Updated payloads (MDES_DECRYPTION_KEY) as PEM; undefined = receiver off. */
  decryptionKeyPem: string | undefined;
  /** Bearer tokens for the §8 and §10 endpoints (API_TOKENS); undefined = open (embedded simulator only). */
  apiTokens: string[] | undefined;
  /** `responseHost` of Notify Token Updated answers (NTU_RESPONSE_HOST, default the host name). */
  ntuResponseHost: string;
  /** Addresses / CIDRs allowed to post Notify Token Updated (NTU_ALLOWED_IPS); undefined = any. */
  ntuAllowedIps: string[] | undefined;
}

export interface AppConfig {
  port: number;
  upstream: UpstreamConfig;
  provisioning: ProvisioningConfig;
  cacheDir: string;
  cacheUrl: string | undefined;
  memoryCacheBytes: number;
  /** How long an unknown asset ID or an asset that failed on its own is remembered (NEGATIVE_CACHE_SECONDS; 0 = never). */
  negativeCacheSeconds: number;
  /** Prefix of every Redis key (CACHE_KEY_PREFIX): several deployments or test runs can share one Redis. */
  cacheKeyPrefix: string;
  /** Fleet lock TTL (CACHE_LOCK_TTL_MS): how long a dead instance's lock delays the others at most. */
  cacheLockTtlMs: number;
  /** How long a miss waits for another instance's load (CACHE_LOCK_WAIT_MS) before loading itself. */
  cacheLockWaitMs: number;
}

/** Parses environment variables with `schema`; the first bad one fails as CONFIG_INVALID, naming it. */
export function parseEnv<T extends z.ZodType>(schema: T, env: unknown): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') ?? 'environment';
    throw new CardArtError(500, 'CONFIG_INVALID', `${variable}: ${issue?.message ?? 'invalid value'}`);
  }
  return parsed.data;
}

/** Reads and validates the environment once at start; a bad value fails here, naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = parseEnv(envSchema, env);
  let credentials: MdesCredentials | undefined;
  if (e.MDES_BASE_URL) {
    if (!e.MDES_CONSUMER_KEY) {
      throw new CardArtError(500, 'CONFIG_INVALID', 'MDES_CONSUMER_KEY is required when MDES_BASE_URL is set');
    }
    if (!e.MDES_SIGNING_KEY) {
      throw new CardArtError(500, 'CONFIG_INVALID', 'MDES_SIGNING_KEY is required when MDES_BASE_URL is set');
    }
    if (!existsSync(e.MDES_SIGNING_KEY)) {
      throw new CardArtError(500, 'CONFIG_INVALID', `MDES_SIGNING_KEY: no readable file at ${e.MDES_SIGNING_KEY}`);
    }
    credentials = {
      consumerKey: e.MDES_CONSUMER_KEY,
      signingKeyPath: e.MDES_SIGNING_KEY,
      signingKeyPassword: e.MDES_SIGNING_KEY_PASSWORD,
    };
  }
  return {
    port: e.PORT,
    provisioning: loadProvisioningConfig(e),
    upstream: {
      baseUrl: e.MDES_BASE_URL?.replace(/\/+$/, ''),
      assetPath: e.MDES_ASSET_PATH,
      tokenConnectPath: e.MDES_TOKEN_CONNECT_PATH,
      requestorAssetPath: e.MDES_REQUESTOR_ASSET_PATH,
      timeoutMs: e.UPSTREAM_TIMEOUT_MS,
      credentials,
      simulatorAssetDir: e.SIMULATOR_ASSET_DIR ?? BUNDLED_SAMPLES_DIR,
    },
    cacheDir: e.CACHE_DIR,
    cacheUrl: e.CACHE_URL,
    memoryCacheBytes: e.MEMORY_CACHE_MB * 1024 * 1024,
    negativeCacheSeconds: e.NEGATIVE_CACHE_SECONDS,
    cacheKeyPrefix: e.CACHE_KEY_PREFIX,
    cacheLockTtlMs: e.CACHE_LOCK_TTL_MS,
    cacheLockWaitMs: e.CACHE_LOCK_WAIT_MS,
  };
}

function loadProvisioningConfig(e: EnvConfig): ProvisioningConfig {
  const encryptionCertificatePem = e.MDES_ENCRYPTION_CERT
    ? loadCertificatePem(e.MDES_ENCRYPTION_CERT, 'MDES_ENCRYPTION_CERT')
    : undefined;
  const decryptionKeyPem = e.MDES_DECRYPTION_KEY
    ? loadPrivateKeyPem(e.MDES_DECRYPTION_KEY, e.MDES_DECRYPTION_KEY_PASSWORD, 'MDES_DECRYPTION_KEY')
    : undefined;
  const apiTokens = e.API_TOKENS?.split(',').map((token) => token.trim()).filter(Boolean);
  if (apiTokens?.some((token) => !/^[\x21-\x7e]{16,512}$/.test(token))) {
    throw new CardArtError(500, 'CONFIG_INVALID', 'API_TOKENS: each token must be 16–512 printable characters without spaces');
  }
  if (e.MDES_BASE_URL && (encryptionCertificatePem || decryptionKeyPem) && !apiTokens?.length) {
    throw new CardArtError(
      500,
      'CONFIG_INVALID',
      'API_TOKENS is required when MDES_BASE_URL is set with MDES_ENCRYPTION_CERT or MDES_DECRYPTION_KEY',
    );
  }
  const ntuAllowedIps = e.NTU_ALLOWED_IPS?.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of ntuAllowedIps ?? []) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxPrefix = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new CardArtError(500, 'CONFIG_INVALID', `NTU_ALLOWED_IPS: "${entry}" is not an address or CIDR`);
    }
  }
  return {
    encryptionCertificatePem,
    oaepDigest: e.MDES_OAEP_DIGEST,
    decryptionKeyPem,
    apiTokens: apiTokens?.length ? apiTokens : undefined,
    ntuResponseHost: e.NTU_RESPONSE_HOST ?? hostname(),
    ntuAllowedIps: ntuAllowedIps?.length ? ntuAllowedIps : undefined,
  };
}
