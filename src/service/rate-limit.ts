import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, envSchema, parseEnv } from '../config.ts';
import { CardArtError } from '../errors.ts';

export { DEFAULT_RATE_LIMIT_PER_MINUTE };

/** 10 000 clients at ~100 bytes each: about 1 MB, whatever the number of addresses seen. */
export const DEFAULT_RATE_LIMIT_MAX_CLIENTS = 10_000;

export interface RateLimitOptions {
  /** Requests per minute per client, also the burst size; 0 turns the limiter off. */
  perMinute: number;
  /** Bound on the client table; the least recently seen client is forgotten first. */
  maxClients?: number;
  /** Milliseconds clock (tests pass a fake). */
  now?: () => number;
}

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until one request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Token buckets per client key, held in a bounded least-recently-seen table. */
export class TokenBucketTable {
  readonly #capacity: number;
  readonly #tokensPerMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  // A Map iterates in insertion order; re-inserting on every hit keeps the least recently seen first.
  readonly #buckets = new Map<string, Bucket>();

  constructor(perMinute: number, maxClients: number, now: () => number) {
    if (!(perMinute > 0) || !Number.isFinite(perMinute)) throw new RangeError('perMinute must be a positive number');
    if (!Number.isInteger(maxClients) || maxClients < 1) throw new RangeError('maxClients must be a positive integer');
    this.#capacity = perMinute;
    this.#tokensPerMs = perMinute / 60_000;
    this.#maxClients = maxClients;
    this.#now = now;
  }

  /** Takes one token for `client` if it has one. */
  take(client: string): RateDecision {
    const nowMs = this.#now();
    const bucket = this.#buckets.get(client);
    let tokens = this.#capacity;
    if (bucket) {
      this.#buckets.delete(client);
      const elapsedMs = Math.max(0, nowMs - bucket.updatedMs);
      tokens = Math.min(this.#capacity, bucket.tokens + elapsedMs * this.#tokensPerMs);
    } else if (this.#buckets.size >= this.#maxClients) {
      // Forgetting a client can only give it a fresh (full) bucket: it errs towards letting requests through.
      const leastRecent = this.#buckets.keys().next().value;
      if (leastRecent !== undefined) this.#buckets.delete(leastRecent);
    }
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.#buckets.set(client, { tokens, updatedMs: nowMs });
    const retryAfterSeconds = allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.#tokensPerMs / 1000));
    return { allowed, retryAfterSeconds };
  }

  get size(): number {
    return this.#buckets.size;
  }
}

/**
 * The key a client is limited under: IPv4 (also when IPv4-mapped) as is; IPv6 by its /64 prefix, because one
 * host is routinely handed a whole /64 and could otherwise rotate addresses to dodge the limit.
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const withoutZone = address.split('%')[0]!.toLowerCase();
  const [head = '', tail] = withoutZone.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = Math.max(0, 8 - headGroups.length - tailGroups.length);
  return [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups].map((group) => group.replace(/^0+(?=.)/, ''));
}

/**
 * Express middleware: a per-client token bucket (client = `req.ip`, so `trust proxy` decides whose address
 * counts). Over the limit it passes a 429 RATE_LIMITED CardArtError with Retry-After to the error handler.
 * With perMinute 0 it is a no-op.
 */
export function createRateLimiter(options: RateLimitOptions): RequestHandler {
  if (options.perMinute === 0) return (_req: Request, _res: Response, next: NextFunction) => next();
  const table = new TokenBucketTable(
    options.perMinute,
    options.maxClients ?? DEFAULT_RATE_LIMIT_MAX_CLIENTS,
    options.now ?? Date.now,
  );
  return (req: Request, _res: Response, next: NextFunction) => {
    const decision = table.take(clientKey(req.ip ?? req.socket.remoteAddress));
    if (decision.allowed) {
      next();
      return;
    }
    next(
      new CardArtError('RATE_LIMITED', `Too many requests from this client; retry in ${decision.retryAfterSeconds} s`, {
        retryAfterSeconds: decision.retryAfterSeconds,
      }),
    );
  };
}

/** RATE_LIMIT_PER_MINUTE alone, read with the one config schema (loadConfig reads it with all the others). */
export function readRateLimitPerMinute(env: NodeJS.ProcessEnv = process.env): number {
  return parseEnv(envSchema.pick({ RATE_LIMIT_PER_MINUTE: true }), env).RATE_LIMIT_PER_MINUTE;
}
