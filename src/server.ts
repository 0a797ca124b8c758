import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { loadConfig } from './config.ts';
import { createApp } from './service/create-app.ts';
import { createServices } from './service/create-services.ts';

/** Starts card-art: config → services → HTTP server; SIGTERM/SIGINT shut it down gracefully. */
async function main(): Promise<void> {
  const config = loadConfig();
  const serviceConfig = config.service;
  const log = pino({
    level: serviceConfig.logLevel,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], remove: true },
  });
  const services = await createServices(config, log);
  const app = createApp(services.deps);
  const server: Server = app.listen(config.port);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // A stalled client must not hold a socket forever.
  server.requestTimeout = serviceConfig.requestTimeoutMs;
  server.headersTimeout = serviceConfig.headersTimeoutMs;
  const { port } = server.address() as AddressInfo;
  log.info(
    { port, upstream: services.simulator ? 'embedded simulator' : 'MDES', simulator: services.simulator?.baseUrl },
    `card-art listening: open http://localhost:${port}/`,
  );

  let shuttingDown = false;
  const openResponses = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    if (shuttingDown) res.setHeader('Connection', 'close');
    openResponses.add(res);
    res.once('close', () => openResponses.delete(res));
  });
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    // In-flight answers tell keep-alive clients to go, so their sockets close with the last byte.
    for (const res of openResponses) if (!res.headersSent) res.setHeader('Connection', 'close');
    log.info({ signal, deadlineMs: serviceConfig.shutdownTimeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting with work unfinished');
      process.exit(1);
    }, serviceConfig.shutdownTimeoutMs);
    deadline.unref();
    // Stop accepting, let in-flight requests finish, then release the stores, workers and simulator.
    // Keep-alive sockets turn idle as their responses finish; close each one then, not after its keep-alive timeout.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    idleSweep.unref();
    server.close(() => {
      clearInterval(idleSweep);
      services
        .close()
        .then(() => {
          log.info('stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          log.error({ err: error }, 'error during shutdown');
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`card-art failed to start: ${message}\n`);
  process.exit(1);
});
