/** The service (src/server.ts) and the bare floor server as child processes on loopback, each with its own folders. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './bench-context.ts';
import { PRODUCTION_NODE_FLAGS, PRODUCTION_SERVICE_ENV } from '../support/production-settings.ts';
import { freePort } from '../support/free-port.ts';
import { startNodeChild, type NodeChild } from './child-process.ts';

export { PRODUCTION_NODE_FLAGS, PRODUCTION_SERVICE_ENV };

const SERVER_SCRIPT = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
const BARE_SERVER_SCRIPT = fileURLToPath(new URL('./bare-http-server.ts', import.meta.url));


export interface ServiceChildOptions {
  /** Names the child's cache folder and log file. */
  name: string;
  memoryCacheMb?: number;
  env?: Record<string, string>;
}

/** `node src/server.ts` with PRODUCTION_SERVICE_ENV against the embedded simulator serving the bench assets, with a fresh CACHE_DIR. */
export async function startServiceChild(ctx: BenchContext, options: ServiceChildOptions): Promise<NodeChild> {
  const cacheDir = path.join(ctx.workDir, `cache-${options.name}`);
  await mkdir(cacheDir, { recursive: true });
  const port = await freePort();
  return startNodeChild({
    script: SERVER_SCRIPT,
    execArgv: [...PRODUCTION_NODE_FLAGS, ...ctx.serviceExecArgv],
    env: {
      ...PRODUCTION_SERVICE_ENV,
      PORT: String(port),
      CACHE_DIR: cacheDir,
      SIMULATOR_ASSET_DIR: ctx.assets.dir,
      ...(options.memoryCacheMb ? { MEMORY_CACHE_MB: String(options.memoryCacheMb) } : {}),
      ...options.env,
      ...ctx.serviceEnv,
    },
    port,
    readyPath: '/healthz',
    logFile: path.join(ctx.workDir, `service-${options.name}.log`),
  });
}

/** The headers of a service image response a floor server repeats (everything but per-response ones). */
export function imageHeadersOf(response: Response): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ['content-type', 'etag', 'cache-control', 'vary', 'x-content-type-options']) {
    const value = response.headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

/** The warm-hit floor: bare node:http answering `file`'s bytes with `headers` on every request. */
export async function startBareServer(ctx: BenchContext, file: string, headers: Record<string, string>): Promise<NodeChild> {
  const port = await freePort();
  return startNodeChild({
    script: BARE_SERVER_SCRIPT,
    args: [file, String(port), JSON.stringify(headers)],
    env: {},
    port,
    readyPath: '/',
    logFile: path.join(ctx.workDir, 'bare-server.log'),
  });
}
