import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_HEADER_BYTES } from './request-limits.ts';
import { guardSockets, type SocketGuard, type SocketTimeouts } from './socket-guard.ts';

export interface ListeningServer {
  server: Server;
  sockets: SocketGuard;
  port: number;
}

/** The HTTP server of the service: header size bound, per-socket timeouts, tracked sockets; listening. */
export async function listenHttp(app: RequestListener, options: { port: number; host?: string; timeouts: SocketTimeouts }): Promise<ListeningServer> {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES });
  const sockets = guardSockets(server, options.timeouts);
  // One 'request' listener: the guard's bookkeeping first (so a header it sets precedes any answer), then the app.
  server.on('request', (req, res) => {
    sockets.onRequest(req, res);
    void app(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, sockets, port: (server.address() as AddressInfo).port };
}
