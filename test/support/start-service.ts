/** The real composition root and express app in this process, on an ephemeral loopback port. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createApp, type CardArtApp } from '../../src/service/create-app.ts';
import { createServices, type Services } from '../../src/service/create-services.ts';

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
  const services = await createServices(loadConfig(fullEnv), log);
  const app = createApp(services.deps);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
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
