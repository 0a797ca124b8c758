/** The real app on an ephemeral port with the embedded simulator and a memory + disk cache in its own temp dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { startService, type RunningService } from '../support/start-service.ts';

export interface TestService extends RunningService {
  simulator: RunningSimulator;
  /** The service's own CACHE_DIR. */
  cacheDir: string;
}

export async function startTestService(
  assetDir: string,
  env: Record<string, string> = {},
  log: Logger = pino({ level: 'silent' }),
): Promise<TestService> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'card-art-service-cache-'));
  const running = await startService({ SIMULATOR_ASSET_DIR: assetDir, CACHE_DIR: cacheDir, UPSTREAM_TIMEOUT_MS: '2000', ...env }, log);
  return {
    ...running,
    simulator: running.services.simulator as RunningSimulator,
    cacheDir,
    async close() {
      await running.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
