import { pino } from 'pino';
import { loadConfig } from './config.ts';
import { createApp } from './service/create-app.ts';
import { createServices } from './service/create-services.ts';
import { listenHttp } from './service/http-server.ts';
import { createLogDestination } from './service/log-destination.ts';

/** Starts card-art: config → services → HTTP server; SIGTERM/SIGINT shut it down gracefully. */
async function main(): Promise<void> {
  const config = loadConfig();
  const serviceConfig = config.service;
  const logDestination = createLogDestination();
  const log = pino(
    {
      level: serviceConfig.logLevel,
      redact: { paths: ['req.headers.authorization', 'headers.authorization'], remove: true },
    },
    logDestination.stream,
  );
  const services = await createServices(config, log);
  const app = createApp(services.deps);
  const { server, sockets, port } = await listenHttp(app, { port: config.port, timeouts: serviceConfig.socketTimeouts, maxUnreadBytes: serviceConfig.socketMaxUnreadBytes });
  log.info(
    { port, upstream: services.simulator ? 'embedded simulator' : 'MDES', simulator: services.simulator?.baseUrl },
    `card-art listening: open http://localhost:${port}/`,
  );
  logDestination.flush();

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info({ signal, deadlineMs: serviceConfig.shutdownTimeoutMs }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting with work unfinished');
      process.exit(1);
    }, serviceConfig.shutdownTimeoutMs);
    deadline.unref();
    services.deps.readiness.startDraining();
    // Stop accepting; idle and stalled sockets go now, busy ones right after their response (socket-guard.ts).
    // Then release the stores (flushing pending cache writes), workers and simulator.
    server.close(() => {
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
    sockets.drain();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`card-art failed to start: ${message}\n`);
  process.exit(1);
});
