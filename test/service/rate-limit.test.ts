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
} from '../../src/service/rate-limit.ts';
import { createClient } from '@keyv/redis';
import { randomUUID } from 'node:crypto';

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

  it('answers 429 RATE_LIMITED with Retry-After once the minute is spent, leaving other routes alone', async () => {
    const base = await serve(createRateLimiter({ perMinute: 2 }));
    expect((await fetch(`${base}/v1/assets/a`)).status).toBe(200);
    expect((await fetch(`${base}/v1/assets/b`)).status).toBe(200);
    const limited = await fetch(`${base}/v1/assets/c`);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('limits per forwarded client when the proxy is trusted', async () => {
    const base = await serve(createRateLimiter({ perMinute: 1 }), true);
    const from = (ip: string) => fetch(`${base}/v1/assets/a`, { headers: { 'X-Forwarded-For': ip } });
    expect((await from('198.51.100.1')).status).toBe(200);
    expect((await from('198.51.100.1')).status).toBe(429);
    expect((await from('198.51.100.2')).status).toBe(200);
  });

  it('shares counters between instances through Redis (two limiters, one prefix)', async () => {
    const client = createClient({ url: 'redis://127.0.0.1:6379' });
    await client.connect();
    const keyPrefix = `card-art-test:${randomUUID()}:rl`;
    try {
      const first = await serve(createRateLimiter({ perMinute: 3, redis: client, keyPrefix }));
      const firstServer = server;
      const second = await serve(createRateLimiter({ perMinute: 3, redis: client, keyPrefix }));
      const statuses = [];
      for (const base of [first, second, first, second]) statuses.push((await fetch(`${base}/v1/assets/a`)).status);
      // 3 per minute across both instances: the fourth request is refused whichever instance it reaches.
      expect(statuses).toEqual([200, 200, 200, 429]);
      await new Promise<void>((resolve) => firstServer!.close(() => resolve()));
    } finally {
      const keys = await client.keys(`${keyPrefix}*`);
      if (keys.length > 0) await client.del(keys);
      await client.close();
    }
  });

  it('does nothing with perMinute 0', async () => {
    const base = await serve(createRateLimiter({ perMinute: 0 }));
    for (let i = 0; i < 20; i++) expect((await fetch(`${base}/v1/assets/a`)).status).toBe(200);
  });
});
