/** Starts the real app on an ephemeral port: embedded simulator, memory + disk cache in a temp dir, real renderer. */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createApp, type CardArtApp } from '../../src/service/create-app.ts';
import { createServices, type Services } from '../../src/service/create-services.ts';
import { loadServiceConfig } from '../../src/service/service-config.ts';
import type { RunningSimulator } from '../../src/simulator/simulator-server.ts';

export interface TestService {
  baseUrl: string;
  app: CardArtApp;
  services: Services;
  simulator: RunningSimulator;
  close(): Promise<void>;
}

export async function startTestService(
  assetDir: string,
  env: Record<string, string> = {},
  log: Logger = pino({ level: 'silent' }),
): Promise<TestService> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'card-art-service-cache-'));
  const fullEnv = { SIMULATOR_ASSET_DIR: assetDir, CACHE_DIR: cacheDir, UPSTREAM_TIMEOUT_MS: '2000', ...env };
  const services = await createServices(loadConfig(fullEnv), loadServiceConfig(fullEnv), log);
  const app = createApp(services.deps);
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    app,
    services,
    simulator: services.simulator as RunningSimulator,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await services.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
