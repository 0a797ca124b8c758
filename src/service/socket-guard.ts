/**
 * Socket timeouts the service enforces itself, per socket, so a hostile client cannot hold one:
 * - headers: a connection (or a kept-alive one between requests) must deliver a complete request head within
 *   `headersTimeoutMs` (Node checks its own headersTimeout only every 30 s, so slowloris lived ~3x longer);
 * - request: the body must be complete within `requestTimeoutMs` of the head (slow bodies);
 * - idle: a socket with no I/O for `socketIdleTimeoutMs` is closed (a client that never reads its response);
 * - drain(): on shutdown, idle sockets (including ones that never sent a byte) are destroyed at once, sockets
 *   with a request in flight are closed right after its response, and a response nobody reads is cut after
 *   DRAIN_STALL_MS without progress, so SIGTERM never waits on idle or stalled connections.
 * The first three are checked for all sockets on one interval (guardTickMs), not with timers per request.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface SocketTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  socketIdleTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_SOCKET_TIMEOUTS: SocketTimeouts = {
  /** 10 s: a real client sends its request head in one packet; minutes of trickle is slowloris. */
  headersTimeoutMs: 10_000,
  /** 30 s: the largest accepted body (64 KB of JSON) takes milliseconds on any real link. */
  requestTimeoutMs: 30_000,
  /** 30 s without a byte either way: longer than a queued render's bounded wait plus the render. */
  socketIdleTimeoutMs: 30_000,
  /** 5 s, Node's default: browsers and proxies reuse a socket within that. */
  keepAliveTimeoutMs: 5_000,
};
/** While draining, a response that made no progress for this long belongs to a client that does not read. */
export const DRAIN_STALL_MS = 500;

export interface SocketGuard {
  /** Sockets open now. */
  open(): number;
  /** Starts the shutdown drain (see the module comment). */
  drain(): void;
  /**
   * Call first for every request, before the app's listener (listenHttp composes the two into the server's one
   * 'request' listener: a second listener would make every emit copy the listener list).
   */
  onRequest(req: IncomingMessage, res: ServerResponse): void;
}

/** The guard checks its sockets this often: a tenth of the shortest timeout, 10 ms to 1 s. */
export function guardTickMs(timeouts: SocketTimeouts): number {
  const shortest = Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs, timeouts.socketIdleTimeoutMs);
  return Math.min(1000, Math.max(10, Math.floor(shortest / 10)));
}

interface SocketState {
  socket: Socket;
  active: number;
  /** Guard-clock time the socket opened or its last response ended (the headers timeout runs from here). */
  idleSince: number;
  /** The request in flight whose body had not arrived when its head did, and since when (the request timeout). */
  bodyRequest: IncomingMessage | undefined;
  bodySince: number;
  /** bytesRead + bytesWritten at the last tick that saw them change, and when (the idle timeout). */
  seenBytes: number;
  quietSince: number;
  responses: Set<ServerResponse>;
}

/** A request head that announces no body (no Content-Length above 0, no Transfer-Encoding) is complete already. */
const announcesBody = (req: IncomingMessage): boolean => {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
};

/** Per-response bookkeeping kept on the response itself, so its 'close' handler is one shared function. */
const kSocketState = Symbol('socketState');
type GuardedResponse = ServerResponse & { [kSocketState]?: SocketState };

/**
 * The three timeouts are checked on one interval for all sockets, against a clock that interval advances: a request
 * makes no timer and reads no clock (Node's own socket timeout re-armed a timer on every request and every write;
 * bench row 1 saw no throughput change beyond its noise, but never-reading clients are cut sooner). A socket is cut
 * between its timeout and its timeout plus two ticks, never before.
 */
export function guardSockets(server: Server, timeouts: SocketTimeouts): SocketGuard {
  const sockets = new Map<Socket, SocketState>();
  let draining = false;
  const tick = guardTickMs(timeouts);
  // Read once per tick; a mark taken between ticks adds one tick, so a coarse reading can only make a cut later.
  let clock = performance.now();
  const mark = () => clock + tick;
  /** While draining, a socket waiting for its answer (nothing unsent) is left to the drain's stall timeout. */
  const waitsForItsAnswer = (state: SocketState | undefined, socket: Socket) =>
    draining && state !== undefined && state.active > 0 && socket.writableLength === 0;

  // Node's own checks stay on as a backstop (they run every 30 s). No server.setTimeout: idle is checked below.
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = Math.max(timeouts.requestTimeoutMs, timeouts.headersTimeoutMs);
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;

  function expired(state: SocketState, now: number): boolean {
    if (state.active === 0 && now - state.idleSince >= timeouts.headersTimeoutMs) return true;
    const body = state.bodyRequest;
    if (body !== undefined) {
      if (body.complete) state.bodyRequest = undefined;
      else if (now - state.bodySince >= timeouts.requestTimeoutMs) return true;
    }
    const socket = state.socket;
    const bytes = socket.bytesRead + socket.bytesWritten;
    if (bytes !== state.seenBytes) {
      state.seenBytes = bytes;
      state.quietSince = now;
      return false;
    }
    if (waitsForItsAnswer(state, socket)) return false;
    return now - state.quietSince >= timeouts.socketIdleTimeoutMs;
  }

  const checker = setInterval(() => {
    clock = performance.now();
    for (const state of sockets.values()) if (expired(state, clock)) state.socket.destroy();
  }, tick).unref();
  server.once('close', () => clearInterval(checker));

  server.on('connection', (socket: Socket) => {
    if (draining) {
      socket.destroy();
      return;
    }
    const since = mark();
    const state: SocketState = {
      socket,
      active: 0,
      idleSince: since,
      bodyRequest: undefined,
      bodySince: 0,
      seenBytes: 0,
      quietSince: since,
      responses: new Set(),
    };
    sockets.set(socket, state);
    socket.once('close', () => sockets.delete(socket));
  });

  function onResponseClose(this: GuardedResponse): void {
    const state = this[kSocketState];
    if (state === undefined) return;
    this[kSocketState] = undefined;
    if (state.bodyRequest === this.req) state.bodyRequest = undefined;
    state.active -= 1;
    state.responses.delete(this);
    if (state.socket.destroyed || state.active > 0) return;
    // Draining: flush and close; a client that never reads is cut by the stall timeout below.
    if (draining) state.socket.end();
    else state.idleSince = mark();
  }

  function onRequest(req: IncomingMessage, res: GuardedResponse): void {
    const state = sockets.get(req.socket);
    if (!state) return;
    state.active += 1;
    state.responses.add(res);
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res[kSocketState] = state;
    if (announcesBody(req)) {
      state.bodyRequest = req;
      state.bodySince = mark();
    }
    res.on('close', onResponseClose);
  }

  // 'timeout' comes from Node's keep-alive timer (an idle kept-alive socket: closed) or the drain's stall timer: one
  // waiting for its render (nothing unsent) is given more time, one whose output is stuck is cut.
  server.on('timeout', (socket: Socket) => {
    if (waitsForItsAnswer(sockets.get(socket), socket)) {
      socket.setTimeout(DRAIN_STALL_MS);
      return;
    }
    socket.destroy();
  });

  return {
    onRequest,
    open: () => sockets.size,
    drain() {
      if (draining) return;
      draining = true;
      for (const [socket, state] of sockets) {
        if (state.active === 0) {
          socket.destroy();
          continue;
        }
        // Kept-alive clients learn to go with the answer they are waiting for.
        for (const res of state.responses) if (!res.headersSent) res.setHeader('Connection', 'close');
        socket.setTimeout(DRAIN_STALL_MS);
      }
    },
  };
}
