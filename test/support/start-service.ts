/** The real composition root and express app in this process, on an ephemeral loopback port. */
import type { Server } from 'node:http';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createApp, type CardArtApp } from '../../src/service/create-app.ts';
import { createServices, type Services } from '../../src/service/create-services.ts';
import { listenHttp } from '../../src/service/http-server.ts';

export interface RunningService {
  baseUrl: string;
  services: Services;
  app: CardArtApp;
  server: Server;
  close(): Promise<void>;
}

export async function startService(
  env: Record<string, string>,
  log: Logger = pino({ level: 'silent' }),
): Promise<RunningService> {
  const fullEnv = { LOG_LEVEL: 'silent', ...env };
  const config = loadConfig(fullEnv);
  const services = await createServices(config, log);
  const app = createApp(services.deps);
  const serviceConfig = config.service;
  const { server, port } = await listenHttp(app, { port: 0, host: '127.0.0.1', timeouts: serviceConfig.socketTimeouts, maxUnreadBytes: serviceConfig.socketMaxUnreadBytes });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    services,
    app,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await services.close();
    },
  };
}
