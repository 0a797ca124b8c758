import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { isCardArtError } from '../../src/errors.ts';
import {
  clientKey,
  createRateLimiter,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  readRateLimitPerMinute,
  TokenBucketTable,
} from '../../src/service/rate-limit.ts';

function fakeClock(startMs = 1_000_000) {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

describe('TokenBucketTable', () => {
  it('allows a burst of perMinute, then refuses with the seconds until the next token', () => {
    const clock = fakeClock();
    const table = new TokenBucketTable(6, 100, clock.now);
    for (let i = 0; i < 6; i++) expect(table.take('a').allowed).toBe(true);
    // 6 per minute = one token every 10 s.
    expect(table.take('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    clock.advance(4_000);
    expect(table.take('a')).toEqual({ allowed: false, retryAfterSeconds: 6 });
    clock.advance(6_000);
    expect(table.take('a').allowed).toBe(true);
    expect(table.take('a').allowed).toBe(false);
  });

  it('refills to the burst size and no further', () => {
    const clock = fakeClock();
    const table = new TokenBucketTable(3, 100, clock.now);
    table.take('a');
    clock.advance(60 * 60_000);
    for (let i = 0; i < 3; i++) expect(table.take('a').allowed).toBe(true);
    expect(table.take('a').allowed).toBe(false);
  });

  it('keeps clients apart', () => {
    const clock = fakeClock();
    const table = new TokenBucketTable(1, 100, clock.now);
    expect(table.take('a').allowed).toBe(true);
    expect(table.take('a').allowed).toBe(false);
    expect(table.take('b').allowed).toBe(true);
  });

  it('holds at most maxClients, forgetting the least recently seen (who then gets a fresh bucket)', () => {
    const clock = fakeClock();
    const table = new TokenBucketTable(1, 3, clock.now);
    for (const client of ['a', 'b', 'c']) table.take(client);
    table.take('a'); // a is now the most recent; b the least
    table.take('d');
    expect(table.size).toBe(3);
    expect(table.take('a').allowed).toBe(false); // still remembered
    expect(table.take('b').allowed).toBe(true); // forgotten, so fresh
    for (let i = 0; i < 50_000; i++) table.take(`client-${i}`);
    expect(table.size).toBe(3);
  });

  it('survives a clock that steps backwards', () => {
    const clock = fakeClock();
    const table = new TokenBucketTable(1, 10, clock.now);
    table.take('a');
    clock.advance(-30_000);
    expect(table.take('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('rejects nonsense sizes', () => {
    expect(() => new TokenBucketTable(0, 10, Date.now)).toThrow(RangeError);
    expect(() => new TokenBucketTable(5, 0, Date.now)).toThrow(RangeError);
  });
});

describe('clientKey', () => {
  it('uses IPv4 as is, unwraps IPv4-mapped IPv6 and groups IPv6 by /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientKey(undefined)).toBe('unknown');
  });
});

describe('readRateLimitPerMinute', () => {
  it('defaults to 0 (off) and reads whole numbers', () => {
    expect(DEFAULT_RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(readRateLimitPerMinute({})).toBe(0);
    expect(readRateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: ' ' })).toBe(0);
    expect(readRateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: '120' })).toBe(120);
  });

  it('fails naming the variable on a bad value', () => {
    for (const bad of ['-1', '1.5', 'ten', '1e3', '99999999999']) {
      expect(() => readRateLimitPerMinute({ RATE_LIMIT_PER_MINUTE: bad })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    }
  });
});

describe('createRateLimiter over HTTP', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function serve(limiter: ReturnType<typeof createRateLimiter>, trustProxy = false): Promise<string> {
    const app = express();
    app.set('trust proxy', trustProxy);
    app.get('/v1/assets/:id', limiter, (_req, res) => {
      res.type('image/png').send(Buffer.from('ok'));
    });
    app.get('/healthz', (_req, res) => {
      res.json({ ok: true });
    });
    // The same mapping as the service's error handler: status, code, Retry-After, no stack.
    app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      if (!isCardArtError(error)) throw error;
      if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }

  it('answers 429 RATE_LIMITED with Retry-After once the burst is spent, leaving other routes alone', async () => {
    const clock = fakeClock();
    const base = await serve(createRateLimiter({ perMinute: 2, now: clock.now }));
    expect((await fetch(`${base}/v1/assets/a`)).status).toBe(200);
    expect((await fetch(`${base}/v1/assets/b`)).status).toBe(200);
    const limited = await fetch(`${base}/v1/assets/c`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    clock.advance(30_000);
    expect((await fetch(`${base}/v1/assets/d`)).status).toBe(200);
  });

  it('limits per forwarded client when trust proxy is on', async () => {
    const clock = fakeClock();
    const base = await serve(createRateLimiter({ perMinute: 1, now: clock.now }), true);
    const from = (ip: string) => fetch(`${base}/v1/assets/a`, { headers: { 'X-Forwarded-For': ip } });
    expect((await from('198.51.100.1')).status).toBe(200);
    expect((await from('198.51.100.1')).status).toBe(429);
    expect((await from('198.51.100.2')).status).toBe(200);
  });

  it('does nothing with perMinute 0', async () => {
    const base = await serve(createRateLimiter({ perMinute: 0 }));
    for (let i = 0; i < 20; i++) expect((await fetch(`${base}/v1/assets/a`)).status).toBe(200);
  });
});
