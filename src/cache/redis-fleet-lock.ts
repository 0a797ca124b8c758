/**
 * The fleet lock on one Redis, the single-instance Redlock pattern with node-redis's own commands:
 * `SET lock token NX PX ttl` takes it, a Lua compare-and-pexpire renews it while the load runs, and a Lua
 * compare-and-delete releases it only for its owner and publishes the key on one channel, so waiters wake at
 * once. A holder that dies stops renewing; its lock expires after at most the TTL and the next waiter's retry
 * (every poll interval) takes it. Connections fail fast (no offline queue), so a dead Redis costs a lock call
 * milliseconds, and the cache loads locally.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FleetLock, HeldLock } from './fleet-lock.ts';
import { DEFAULT_CACHE_LOCK_TTL_MS } from './fleet-lock.ts';
import { createRedisConnection, DEFAULT_REDIS_CONNECT_TIMEOUT_MS, REDIS_COMMAND_DEADLINE_MS } from './redis-connection.ts';
import { DEFAULT_REDIS_PREFIX } from './redis-store.ts';

/** Deletes the lock only when it still holds this owner's token, then tells the waiters. */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('publish', ARGV[2], ARGV[3])
  return 1
end
return 0`;
/** Extends the lock only when it still holds this owner's token. */
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;

export interface RedisFleetLockOptions {
  /** The cache's key prefix; locks live under `<prefix>lock:<key>`, release notices on `<prefix>lock-released`. */
  prefix?: string;
  ttlMs?: number;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export interface RedisFleetLock extends FleetLock {
  /** The Redis key of `key`'s lock (tests and operators read its owner token: `host:pid:uuid`). */
  lockKeyOf(key: string): string;
  /** CONFIG GET of the settings the shared tier depends on; rejects when Redis refuses CONFIG or is away. */
  readSettings(): Promise<{ maxmemory: string | undefined; maxmemoryPolicy: string | undefined }>;
}

export function createRedisFleetLock(url: string, opts: RedisFleetLockOptions = {}): RedisFleetLock {
  const prefix = opts.prefix ?? DEFAULT_REDIS_PREFIX;
  const ttlMs = opts.ttlMs ?? DEFAULT_CACHE_LOCK_TTL_MS;
  const channel = `${prefix}lock-released`;
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  const commandTimeoutMs = opts.commandTimeoutMs ?? REDIS_COMMAND_DEADLINE_MS;
  const owner = `${hostname()}:${process.pid}`;
  const lockKeyOf = (key: string) => `${prefix}lock:${key}`;

  const commands = createRedisConnection(url, { connectTimeoutMs, commandDeadlineMs: commandTimeoutMs });
  // No request waits on the subscriber (waiters poll meanwhile), and a subscribed connection cannot PING: no watchdog.
  const subscriber = createRedisConnection(url, { connectTimeoutMs, commandDeadlineMs: commandTimeoutMs, watchdog: false });
  const waiters = new Map<string, Set<() => void>>();
  const held = new Set<{ stop(): void }>();
  let subscribed: Promise<void> | undefined;
  let closed = false;

  /** Subscribes once; a failed attempt is retried by the next wait (waiters poll meanwhile). */
  function ensureSubscribed(): void {
    if (closed || subscribed) return;
    subscribed = (async () => {
      await subscriber.ready();
      await subscriber.client.subscribe(channel, (releasedKey: string) => {
        for (const wake of waiters.get(releasedKey) ?? []) wake();
      });
    })().catch(() => {
      subscribed = undefined;
    });
  }

  ensureSubscribed(); // early, so the first waiters already hear releases (a failure is retried by the next wait)

  return {
    lockKeyOf,

    async tryAcquire(key) {
      await commands.ready();
      const lockKey = lockKeyOf(key);
      const token = `${owner}:${randomUUID()}`;
      const reply = await commands.client.set(lockKey, token, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } });
      if (reply !== 'OK') return undefined;
      let lost = false;
      const renewal = setInterval(() => {
        commands.client
          .eval(RENEW_SCRIPT, { keys: [lockKey], arguments: [token, String(ttlMs)] })
          .then((renewed) => {
            if (renewed !== 1) {
              lost = true;
              stop();
            }
          })
          .catch(() => {}); // Redis away: the lock expires on its own; the load goes on
      }, Math.max(50, Math.floor(ttlMs / 3)));
      renewal.unref();
      const handle = { stop: () => clearInterval(renewal) };
      const stop = () => {
        handle.stop();
        held.delete(handle);
      };
      held.add(handle);
      const lock: HeldLock = {
        get lost() {
          return lost;
        },
        async release() {
          stop();
          if (lost || closed) return;
          try {
            await commands.ready();
            await commands.client.eval(RELEASE_SCRIPT, { keys: [lockKey], arguments: [token, channel, key] });
          } catch {
            // Redis away: the lock expires within its TTL and a waiter takes over
          }
        },
      };
      return lock;
    },

    waitForRelease(key, maxMs) {
      ensureSubscribed();
      return new Promise<void>((resolve) => {
        let set = waiters.get(key);
        if (!set) waiters.set(key, (set = new Set()));
        const wake = () => {
          clearTimeout(timer);
          set.delete(wake);
          if (set.size === 0 && waiters.get(key) === set) waiters.delete(key);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(0, maxMs));
        set.add(wake);
      });
    },

    async readSettings() {
      await commands.ready();
      const reply = (await commands.client.configGet(['maxmemory', 'maxmemory-policy'])) as Record<string, string>;
      return { maxmemory: reply.maxmemory, maxmemoryPolicy: reply['maxmemory-policy'] };
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const handle of [...held]) handle.stop();
      for (const set of waiters.values()) for (const wake of [...set]) wake();
      await Promise.allSettled([commands.close(commandTimeoutMs), subscriber.close(commandTimeoutMs)]);
    },
  };
}
