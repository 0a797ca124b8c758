/**
 * Socket timeouts the service enforces itself, per socket, so a hostile client cannot hold one:
 * - headers: a connection (or a kept-alive one between requests) must deliver a complete request head within
 *   `headersTimeoutMs` (Node checks its own headersTimeout only every 30 s, so slowloris lived ~3x longer);
 * - request: the body must be complete within `requestTimeoutMs` of the head (slow bodies);
 * - idle: a socket with no I/O for `socketIdleTimeoutMs` is closed (a client that never reads its response);
 * - drain(): on shutdown, idle sockets (including ones that never sent a byte) are destroyed at once, sockets
 *   with a request in flight are closed right after its response, and a response nobody reads is cut after
 *   DRAIN_STALL_MS without progress, so SIGTERM never waits on idle or stalled connections.
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

interface SocketState {
  socket: Socket;
  active: number;
  /** One timer per socket, re-armed with refresh() after each response (no timer made per request). */
  headerTimer: NodeJS.Timeout;
  responses: Set<ServerResponse>;
}

/** A request head that announces no body (no Content-Length above 0, no Transfer-Encoding) is complete already. */
const announcesBody = (req: IncomingMessage): boolean => {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
};

/** Per-response bookkeeping kept on the response itself, so its 'close' handler is one shared function. */
const kSocketState = Symbol('socketState');
const kBodyTimer = Symbol('bodyTimer');
type GuardedResponse = ServerResponse & { [kSocketState]?: SocketState; [kBodyTimer]?: NodeJS.Timeout };

export function guardSockets(server: Server, timeouts: SocketTimeouts): SocketGuard {
  const sockets = new Map<Socket, SocketState>();
  let draining = false;

  // Node's own checks stay on as a backstop (they run every 30 s).
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = Math.max(timeouts.requestTimeoutMs, timeouts.headersTimeoutMs);
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  server.setTimeout(timeouts.socketIdleTimeoutMs);

  server.on('connection', (socket: Socket) => {
    if (draining) {
      socket.destroy();
      return;
    }
    const state: SocketState = {
      socket,
      active: 0,
      // Fires headersTimeoutMs after the socket opened or its last response ended; a request in flight has its own bounds.
      headerTimer: setTimeout(() => {
        if (state.active === 0) socket.destroy();
      }, timeouts.headersTimeoutMs).unref(),
      responses: new Set(),
    };
    sockets.set(socket, state);
    socket.once('close', () => {
      clearTimeout(state.headerTimer);
      sockets.delete(socket);
    });
  });

  function onResponseClose(this: GuardedResponse): void {
    const state = this[kSocketState];
    if (state === undefined) return;
    this[kSocketState] = undefined;
    const bodyTimer = this[kBodyTimer];
    if (bodyTimer !== undefined) clearTimeout(bodyTimer);
    state.active -= 1;
    state.responses.delete(this);
    if (state.socket.destroyed || state.active > 0) return;
    // Draining: flush and close; a client that never reads is cut by the stall timeout below.
    if (draining) state.socket.end();
    else state.headerTimer.refresh();
  }

  function onRequest(req: IncomingMessage, res: GuardedResponse): void {
    const socket = req.socket;
    const state = sockets.get(socket);
    if (!state) return;
    state.active += 1;
    state.responses.add(res);
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res[kSocketState] = state;
    res[kBodyTimer] = announcesBody(req)
      ? setTimeout(() => {
          if (!req.complete) socket.destroy();
        }, timeouts.requestTimeoutMs).unref()
      : undefined;
    res.on('close', onResponseClose);
  }

  // Taking the 'timeout' event decides what an idle socket means: normally it is closed; while draining, one
  // waiting for its render (nothing unsent) is given more time, one whose output is stuck is cut.
  server.on('timeout', (socket: Socket) => {
    const state = sockets.get(socket);
    if (draining && state && state.active > 0 && socket.writableLength === 0) {
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
