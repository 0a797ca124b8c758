/**
 * The fail-fast Redis connection every client of the service uses, against a redis-server of this file's own
 * (frozen with SIGSTOP, never the shared one): a command on a frozen Redis rejects instead of waiting for ever, later
 * ones fail at once, the connection comes back by itself, and a busy main thread is not mistaken for a stall.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection, REDIS_COMMAND_DEADLINE_MS, RedisUnavailableError } from '../../src/cache/redis-connection.ts';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.ts';

/** Short, so the frozen-Redis test is quick; the service uses REDIS_COMMAND_DEADLINE_MS. */
const DEADLINE_MS = 300;

let server: RedisServerProcess;

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  server.resume();
  await server.stop();
});

describe('createRedisConnection', () => {
  it('fails a command on a frozen Redis instead of waiting for its reply, fails later ones at once, and recovers', async () => {
    const connection = createRedisConnection(server.url, { commandDeadlineMs: DEADLINE_MS, connectTimeoutMs: DEADLINE_MS });
    try {
      await connection.ready();
      await connection.client.set('redis-connection-test', 'v');
      server.pause();
      try {
        // Before: node-redis's timeout ends once a command is written, and this GET waited until the server thawed.
        await expect(connection.client.get('redis-connection-test')).rejects.toThrow();
        expect(connection.stalls()).toBeGreaterThanOrEqual(1);
        await expect(connection.ready()).rejects.toBeInstanceOf(RedisUnavailableError);
        await expect(connection.client.get('redis-connection-test')).rejects.toThrow();
      } finally {
        server.resume();
      }
      await expect
        .poll(() => connection.client.get('redis-connection-test').catch(() => 'not yet'), { timeout: 10_000, interval: 50 })
        .toBe('v');
      await connection.client.del('redis-connection-test');
    } finally {
      await connection.close();
    }
  });

  it('does not take a main thread busy for longer than the deadline for a stalled Redis', async () => {
    // The service's deadline: a shorter one could see a Redis that this busy machine merely starves as stalled.
    const deadlineMs = REDIS_COMMAND_DEADLINE_MS;
    const connection = createRedisConnection(server.url, { commandDeadlineMs: deadlineMs, connectTimeoutMs: deadlineMs });
    // Same period, made right after the watchdog's: it runs right after each probe is sent, so the PING's write, its
    // reply and the probe's own timer all wait behind this busy main thread.
    let ticks = 0;
    const busy = setInterval(() => {
      ticks += 1;
      if (ticks === 2 || ticks === 4) {
        const until = Date.now() + 2 * deadlineMs;
        while (Date.now() < until) {
          // busy
        }
      }
    }, deadlineMs / 2);
    try {
      await connection.ready();
      await expect.poll(() => ticks, { timeout: 30_000, interval: 20 }).toBeGreaterThanOrEqual(6);
      expect(connection.stalls()).toBe(0);
      expect(await connection.client.ping()).toBe('PONG');
    } finally {
      clearInterval(busy);
      await connection.close();
    }
  });

  it('fails at once against a port nobody listens on, and tries again after its backoff', async () => {
    const connection = createRedisConnection('redis://127.0.0.1:1', { commandDeadlineMs: DEADLINE_MS, connectTimeoutMs: DEADLINE_MS });
    try {
      await expect(connection.ready()).rejects.toThrow();
      // Within the backoff: refused without a connection attempt.
      await expect(connection.ready()).rejects.toBeInstanceOf(RedisUnavailableError);
    } finally {
      await connection.close();
    }
  });
});
