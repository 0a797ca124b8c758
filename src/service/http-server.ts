import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUnacknowledgedBytesReader } from './kernel-send-queue.ts';
import { MAX_HEADER_BYTES } from './request-limits.ts';
import { guardSockets, type SocketGuard, type SocketTimeouts } from './socket-guard.ts';

export interface ListeningServer {
  server: Server;
  sockets: SocketGuard;
  port: number;
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  timeouts: SocketTimeouts;
  /** Answers a socket may have unread before its next pipelined request waits (SOCKET_MAX_UNREAD_KB, in bytes). */
  maxUnreadBytes: number;
}

/** The HTTP server of the service: header size bound, per-socket timeouts and unread bound, tracked sockets; listening. */
export async function listenHttp(app: RequestListener, options: HttpServerOptions): Promise<ListeningServer> {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES });
  const sockets = guardSockets(
    server,
    { timeouts: options.timeouts, maxUnreadBytes: options.maxUnreadBytes, unacknowledgedBytes: createUnacknowledgedBytesReader() },
    app,
  );
  // One 'request' listener: the guard's bookkeeping, then the app (at once, or when a pipelined request may start).
  server.on('request', sockets.onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, sockets, port: (server.address() as AddressInfo).port };
}
