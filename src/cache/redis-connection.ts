/**
 * Every Redis connection of the service (the cache store, the fleet lock, the shared state: rate limits, pre-warm
 * journal, variant index) is made here, so all of them fail the same way, fast:
 *
 * - no offline queue and a connect timeout: while Redis is away a command fails at once instead of waiting;
 * - a deadline on every command. node-redis's own `timeout` only covers the wait to be written: once a command is on
 *   the wire it waits for its reply forever (redis/node-redis#3008), so a frozen Redis (SIGSTOP, a hung host: the
 *   socket stays open, nothing answers) held requests for 30 s before the socket timeouts cut them. Here a watchdog
 *   PINGs every open connection every half deadline; a PING without a reply within the other half means the
 *   connection is stalled, and it is reset: every command waiting on it fails at once (its caller degrades to the next
 *   tier), and new ones fail at once until a reconnect succeeds. A command therefore waits at most about
 *   REDIS_COMMAND_DEADLINE_MS for a stalled Redis, however many commands a request sends, since the reset does not
 *   wait for them.
 *
 * A reply slower than half the deadline also counts as a stall (a 32 MiB entry ahead of the PING in the same
 * connection needs ~270 ms on a 1 Gbit/s link, well within it).
 */
import { createClient } from '@keyv/redis';

/** 1 s: a reachable Redis on the same network connects in milliseconds. */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 1000;
/** 1 s: the longest a request waits on a Redis that stopped answering before it degrades (issue #22: 30.6 s before). */
export const REDIS_COMMAND_DEADLINE_MS = 1000;
/** After a failed or timed-out connect, commands fail at once for this long before the next attempt. */
const RECONNECT_BACKOFF_MS = 1000;

export interface RedisConnectionOptions {
  connectTimeoutMs?: number;
  /** Longest wait for a reply before the connection counts as stalled and is reset (default REDIS_COMMAND_DEADLINE_MS). */
  commandDeadlineMs?: number;
  /** Commands allowed in flight before new ones are refused instead of queued (node-redis's commandsQueueMaxLength). */
  queueLimit?: number;
  /** Reply types mapped to JS types (the cache store keeps bulk strings as Buffers). */
  typeMapping?: Record<number, unknown>;
  /** False for a subscriber connection (it cannot PING while subscribed, and no request waits on it). Default true. */
  watchdog?: boolean;
}

/** The one set of node-redis client options every connection of the service uses. */
export function redisClientOptions(url: string, opts: RedisConnectionOptions = {}, hasBeenReady: () => boolean = () => true) {
  return {
    url,
    disableOfflineQueue: true,
    ...(opts.queueLimit ? { commandsQueueMaxLength: opts.queueLimit } : {}),
    socket: {
      connectTimeout: opts.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
      // A first connection that fails is not retried by node-redis (the next command asks again, see ready());
      // after a lost one, node-redis reconnects in the background with a capped backoff.
      reconnectStrategy: (retries: number, cause: Error) => (hasBeenReady() ? Math.min(100 * 2 ** retries, 2000) : cause),
    },
    ...(opts.typeMapping ? { commandOptions: { typeMapping: opts.typeMapping } } : {}),
  };
}

function connectClient(url: string, opts: RedisConnectionOptions, hasBeenReady: () => boolean) {
  return createClient(redisClientOptions(url, opts, hasBeenReady) as Parameters<typeof createClient>[0]);
}

export type RedisClient = ReturnType<typeof connectClient>;

export interface RedisConnection {
  client: RedisClient;
  /**
   * Resolves once the client can take commands. The first connection is waited for (bounded by the connect timeout);
   * later, while a reconnect is under way or backing off, it rejects at once: callers fall back instead of waiting.
   */
  ready(): Promise<void>;
  /** Connections reset because a PING got no reply within the deadline. */
  stalls(): number;
  close(timeoutMs?: number): Promise<void>;
}

export class RedisUnavailableError extends Error {
  constructor(reason: string) {
    super(`Redis is not available: ${reason}`);
    this.name = 'RedisUnavailableError';
  }
}

export function createRedisConnection(url: string, opts: RedisConnectionOptions = {}): RedisConnection {
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  const deadlineMs = opts.commandDeadlineMs ?? REDIS_COMMAND_DEADLINE_MS;
  let everReady = false;
  const client = connectClient(url, opts, () => everReady);
  client.on('error', () => {}); // every command rejects on its own; an unheard 'error' would crash the process
  client.on('ready', () => {
    everReady = true;
  });
  let connecting: Promise<void> | undefined;
  let retryAt = 0;
  let stalls = 0;
  let closed = false;
  let probing = false;

  /** One connect attempt at a time, bounded by the connect timeout + the command deadline; a failed one holds the next back for RECONNECT_BACKOFF_MS. */
  function connect(): Promise<void> {
    connecting ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          client.connect(),
          // node-redis's connect timeout ends at the TCP connect; a frozen server accepts that and then never answers
          // the handshake, so the handshake gets the command deadline on top.
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new RedisUnavailableError('connect timed out')), connectTimeoutMs + deadlineMs);
          }),
        ]);
      } catch (error) {
        retryAt = Date.now() + RECONNECT_BACKOFF_MS;
        if (client.isOpen) client.destroy();
        throw error;
      } finally {
        clearTimeout(timer);
        connecting = undefined;
      }
    })();
    return connecting;
  }

  /** Runs every half deadline: reconnects a closed client (after its backoff), and PINGs an open one. */
  function watch(): void {
    if (closed || probing || connecting) return;
    if (!client.isOpen) {
      if (Date.now() >= retryAt) void connect().catch(() => {});
      return;
    }
    if (!client.isReady) return; // node-redis is reconnecting a lost socket itself
    probing = true;
    let answered = false;
    let stalled: NodeJS.Timeout | undefined;
    const arm = () => {
      const armedAt = performance.now();
      stalled = setTimeout(() => {
        // A main thread busy past the whole deadline delayed this timer (and maybe the PING's own write): that
        // measured our event loop, not Redis, so the reply gets a fair half deadline again.
        if (performance.now() - armedAt > deadlineMs) {
          arm();
          return;
        }
        // Timers run before I/O in an event-loop turn: a reply may be waiting unread. It is read before the check
        // phase, so only a PING still unanswered then counts as a stall.
        setImmediate(() => {
          if (answered || closed) return;
          stalls += 1;
          retryAt = Date.now() + RECONNECT_BACKOFF_MS;
          client.destroy(); // every command waiting for a reply fails now
        });
      }, deadlineMs / 2);
      stalled.unref();
    };
    arm();
    client
      .ping()
      .catch(() => {})
      .finally(() => {
        answered = true;
        clearTimeout(stalled);
        probing = false;
      });
  }
  const watchdog = opts.watchdog === false ? undefined : setInterval(watch, deadlineMs / 2);
  watchdog?.unref();

  return {
    client,
    async ready() {
      if (client.isReady) return;
      if (closed) throw new RedisUnavailableError('closed');
      // Once it has been up, a Redis that went away is never waited for on the request path: the watchdog (or
      // node-redis, for a lost socket) reconnects in the background.
      if (everReady) throw new RedisUnavailableError(client.isOpen ? 'reconnecting' : 'connection reset');
      if (!connecting && Date.now() < retryAt) throw new RedisUnavailableError('not connected yet');
      await connect();
    },
    stalls: () => stalls,
    async close(timeoutMs = deadlineMs) {
      closed = true;
      if (watchdog) clearInterval(watchdog);
      if (!client.isOpen) return;
      try {
        await Promise.race([client.close(), new Promise((_, reject) => setTimeout(reject, timeoutMs).unref())]);
      } catch {
        client.destroy();
      }
    },
  };
}
