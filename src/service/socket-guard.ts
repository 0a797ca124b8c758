/**
 * Socket timeouts the service enforces itself, per socket, so a hostile client cannot hold one:
 * - headers: a connection (or a kept-alive one between requests) must deliver a complete request head within
 *   `headersTimeoutMs` (Node checks its own headersTimeout only every 30 s, so slowloris lived ~3x longer);
 * - request: the body must be complete within `requestTimeoutMs` of the head (slow bodies);
 * - idle: a socket with no I/O for `socketIdleTimeoutMs` is cut (a client that never reads its response);
 * - drain(): on shutdown, idle sockets (including ones that never sent a byte) are cut at once, sockets
 *   with a request in flight are closed right after its response, and a response nobody reads is cut after
 *   DRAIN_STALL_MS without progress, so SIGTERM never waits on idle or stalled connections.
 * The first three are checked for all sockets on one interval (guardTickMs), not with timers per request.
 *
 * Every cut is a reset (RST), never a FIN: the kernel drops the socket's queues at once, where a closed socket whose
 * client does not read keeps its unsent answers in kernel memory (FIN-WAIT-1) for as long as its retries last.
 *
 * Pipelined requests (one arriving while an earlier one on its socket is unanswered) wait, and are started one at a
 * time as the answer before them ends, while the socket's answers not yet read stay under `maxUnreadBytes`
 * (SOCKET_MAX_UNREAD_KB): a client that sends many requests and never reads is not answered far ahead into the
 * kernel (the kernel takes ~2.7 MB per loopback socket before Node sees any back-pressure). What is "not yet read"
 * is measured, since Node shows neither the kernel's queue nor what the peer acknowledged:
 * - everything the socket was handed (bytesWritten) since the last tick that found it quiet (no request in progress
 *   or waiting: the client's next request comes after its answers), an upper bound taken without any system call;
 * - when that bound holds a request back, the guard's next tick asks the kernel (kernel-send-queue.ts) for the
 *   socket's unacknowledged bytes, adds what Node still buffers, and starts the request once that is under the bound.
 * A client that still does not read makes no more I/O and is cut by the idle timeout. A client that sends each
 * request only after its previous answer was written is not pipelining and is never held back: if it does not read,
 * the kernel's own send-buffer limit bounds it and the keep-alive or idle timeout resets it.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { UnacknowledgedBytesReader } from './kernel-send-queue.ts';

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
/**
 * 256 KB: one full-size card (a 1536-wide PNG is 100-300 KB) may be answered ahead of a pipelining client's reading;
 * a never-reading socket then holds at most this plus one answer in the kernel, against ~2.7 MB before.
 */
export const DEFAULT_SOCKET_MAX_UNREAD_KB = 256;

export interface SocketGuardOptions {
  timeouts: SocketTimeouts;
  /** Answers a socket may have unread before its next pipelined request waits (SOCKET_MAX_UNREAD_KB, in bytes). */
  maxUnreadBytes: number;
  /** Asks the kernel what a socket's peer has not acknowledged yet. */
  unacknowledgedBytes: UnacknowledgedBytesReader;
}

export interface SocketGuard {
  /** Sockets open now. */
  open(): number;
  /** Pipelined requests that had to wait before they started, since the server started. */
  waited(): number;
  /** Starts the shutdown drain (see the module comment). */
  drain(): void;
  /**
   * The server's one 'request' listener (a second listener would make every emit copy the listener list): its
   * bookkeeping first (so a header it sets precedes any answer), then the app, now or once the request may start.
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
  /** Pipelined requests not started yet, in order of arrival (their answers are queued behind the active one). */
  waiting: ServerResponse[];
  /** socket.bytesWritten up to which the client is taken to have read its answers (see the module comment). */
  readMark: number;
}

/** A request head that announces no body (no Content-Length above 0, no Transfer-Encoding) is complete already. */
const announcesBody = (req: IncomingMessage): boolean => {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
};

/**
 * Cuts a socket with a reset (RST): the kernel frees its queues at once. resetAndDestroy refuses a socket that is not
 * TCP (a server listening on a Unix socket), which is closed instead.
 */
function cut(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** Per-response bookkeeping kept on the response itself, so its 'close' handler is one shared function. */
const kSocketState = Symbol('socketState');
type GuardedResponse = ServerResponse & { [kSocketState]?: SocketState };

/**
 * The three timeouts are checked on one interval for all sockets, against a clock that interval advances: a request
 * makes no timer and reads no clock (Node's own socket timeout re-armed a timer on every request and every write;
 * bench row 1 saw no throughput change beyond its noise, but never-reading clients are cut sooner). A socket is cut
 * between its timeout and its timeout plus two ticks, never before.
 */
export function guardSockets(server: Server, options: SocketGuardOptions, app: RequestListener): SocketGuard {
  const { timeouts, maxUnreadBytes } = options;
  const sockets = new Map<Socket, SocketState>();
  let draining = false;
  /** A kernel query is under way (one at a time; a slow one makes the next tick skip its own). */
  let askingKernel = false;
  let waitedRequests = 0;
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
    const quiet = state.active === 0 && state.waiting.length === 0;
    if (quiet && now - state.idleSince >= timeouts.headersTimeoutMs) return true;
    const body = state.bodyRequest;
    if (body !== undefined) {
      if (body.complete) state.bodyRequest = undefined;
      else if (now - state.bodySince >= timeouts.requestTimeoutMs) return true;
    }
    const socket = state.socket;
    const written = socket.bytesWritten;
    if (quiet) state.readMark = written;
    const bytes = socket.bytesRead + written;
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
    let behind: SocketState[] | undefined;
    for (const state of sockets.values()) {
      if (expired(state, clock)) cut(state.socket);
      else if (state.active === 0 && state.waiting.length > 0) (behind ??= []).push(state);
    }
    if (behind !== undefined && !askingKernel) void askKernel(behind);
  }, tick).unref();
  server.once('close', () => clearInterval(checker));

  server.on('connection', (socket: Socket) => {
    if (draining) {
      cut(socket);
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
      waiting: [],
      readMark: 0,
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
    // Draining: flush and close (pipelined requests still waiting are not started: the answer before them said
    // Connection: close); a client that never reads is cut by the stall timeout below.
    if (draining) state.socket.end();
    else if (state.waiting.length > 0) startWaiting(state);
    else state.idleSince = mark();
  }

  function start(state: SocketState, req: IncomingMessage, res: GuardedResponse): void {
    state.active += 1;
    state.responses.add(res);
    if (draining && !res.headersSent) res.setHeader('Connection', 'close');
    res[kSocketState] = state;
    if (announcesBody(req)) {
      state.bodyRequest = req;
      state.bodySince = mark();
    }
    res.on('close', onResponseClose);
    void app(req, res);
  }

  /** Starts the next waiting request if the socket's unread answers allow it; otherwise the tick asks the kernel. */
  function startWaiting(state: SocketState): void {
    const socket = state.socket;
    if (socket.bytesWritten - state.readMark >= maxUnreadBytes) return;
    const res = state.waiting.shift()!;
    if (state.waiting.length === 0) socket.resume();
    start(state, res.req, res);
  }

  async function askKernel(behind: SocketState[]): Promise<void> {
    askingKernel = true;
    try {
      const unacknowledged = await options.unacknowledgedBytes(behind.map((state) => state.socket));
      behind.forEach((state, i) => {
        const inKernel = unacknowledged[i];
        const socket = state.socket;
        // Unknown (not Linux): the request waits, and a client that does not read is cut by the idle timeout.
        if (inKernel === undefined || draining || socket.destroyed || state.active > 0 || state.waiting.length === 0) return;
        state.readMark = socket.bytesWritten - socket.writableLength - inKernel;
        startWaiting(state);
      });
    } catch {
      // As unknown: the requests wait for the next tick.
    } finally {
      askingKernel = false;
    }
  }

  function onRequest(req: IncomingMessage, res: GuardedResponse): void {
    const state = sockets.get(req.socket);
    if (state === undefined) {
      void app(req, res);
      return;
    }
    if (state.active === 0 && state.waiting.length === 0) {
      start(state, req, res);
      return;
    }
    // Pipelined: it waits for the answers before it, and reading stops until the waiting ones have started.
    state.waiting.push(res);
    waitedRequests += 1;
    req.socket.pause();
  }

  // 'timeout' comes from Node's keep-alive timer (an idle kept-alive socket: cut; a client that reads has had its
  // last answer for seconds by then, so only what nobody reads is dropped) or the drain's stall timer: one waiting
  // for its render (nothing unsent) is given more time, one whose output is stuck is cut.
  server.on('timeout', (socket: Socket) => {
    if (waitsForItsAnswer(sockets.get(socket), socket)) {
      socket.setTimeout(DRAIN_STALL_MS);
      return;
    }
    cut(socket);
  });

  return {
    onRequest,
    open: () => sockets.size,
    waited: () => waitedRequests,
    drain() {
      if (draining) return;
      draining = true;
      for (const [socket, state] of sockets) {
        if (state.active === 0) {
          cut(socket);
          continue;
        }
        // Kept-alive clients learn to go with the answer they are waiting for.
        for (const res of state.responses) if (!res.headersSent) res.setHeader('Connection', 'close');
        socket.setTimeout(DRAIN_STALL_MS);
      }
    },
  };
}
