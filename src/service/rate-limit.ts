import { isIP } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, envSchema, parseEnv } from '../config.ts';
import { CardArtError } from '../errors.ts';

export { DEFAULT_RATE_LIMIT_PER_MINUTE };

/** Counters live in fixed windows (rate-limiter-flexible) of a minute or a second; Redis keys expire with their window. */
const MINUTE_SECONDS = 60;
/** Key prefix of the counters in Redis, under which every instance shares them. */
export const RATE_LIMIT_KEY_PREFIX = 'card-art:rate-limit';

/** A node-redis client (what @keyv/redis re-exports); only what rate-limiter-flexible uses of it. */
export type RateLimitRedisClient = object;

export type RateLimitOptions = (
  /** Requests per minute per client, in one-minute windows; 0 turns the limiter off. */
  | { perMinute: number; perSecond?: never }
  /** Requests per second per client, in one-second windows: a client's allowance is spread, not granted in one burst. */
  | { perSecond: number; perMinute?: never }
) & {
  /** The status of the refusal: 429 (default), or 503 for callers that retry only on a 5xx (MDES). */
  refusalStatus?: 429 | 503;
  /** When set (CACHE_URL), counters live in Redis and are shared by every instance; memory is the fallback. */
  redis?: RateLimitRedisClient;
  /** Redis key prefix (tests pass their own). */
  keyPrefix?: string;
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
 * Express middleware: RATE_LIMIT_PER_MINUTE (or NTU_RATE_LIMIT_PER_SECOND) requests per client (client = `req.ip`,
 * so TRUST_PROXY decides whose address counts) in fixed windows, through rate-limiter-flexible: in memory, or in Redis
 * (shared by every instance) with an in-memory limiter as insurance while Redis is down. Over the limit it passes a 429
 * (or `refusalStatus`) RATE_LIMITED CardArtError with Retry-After to the error handler. With a limit of 0 it is a no-op.
 */
export function createRateLimiter(options: RateLimitOptions): RequestHandler {
  const [points, duration] = options.perSecond === undefined ? [options.perMinute, MINUTE_SECONDS] : [options.perSecond, 1];
  if (points === 0) return (_req: Request, _res: Response, next: NextFunction) => next();
  const keyPrefix = options.keyPrefix ?? RATE_LIMIT_KEY_PREFIX;
  const memory = new RateLimiterMemory({ points, duration, keyPrefix });
  const limiter: RateLimiterAbstract = options.redis
    ? new RateLimiterRedis({
        storeClient: options.redis,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        points,
        duration,
        keyPrefix,
        insuranceLimiter: memory,
      })
    : memory;
  return (req: Request, _res: Response, next: NextFunction) => {
    limiter.consume(clientKey(req.ip ?? req.socket.remoteAddress)).then(
      () => next(),
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) {
          next(); // the limiter itself failed (insurance included): never refuse a client for our own fault
          return;
        }
        const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        next(
          new CardArtError('RATE_LIMITED', `Too many requests from this client; retry in ${retryAfterSeconds} s`, {
            retryAfterSeconds,
            status: options.refusalStatus ?? 429,
          }),
        );
      },
    );
  };
}

/** RATE_LIMIT_PER_MINUTE alone, read with the one config schema (loadConfig reads it with all the others). */
export function readRateLimitPerMinute(env: NodeJS.ProcessEnv = process.env): number {
  return parseEnv(envSchema.pick({ RATE_LIMIT_PER_MINUTE: true }), env).RATE_LIMIT_PER_MINUTE;
}
