/** Shared plumbing of the hardening suites: the real service over loopback HTTP, spawned processes, raw requests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRODUCTION_NODE_FLAGS, PRODUCTION_SERVICE_ENV } from '../support/production-settings.ts';
import { freePort } from '../support/free-port.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function makeTempDir(label: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `card-art-${label}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  /** Sent byte for byte as the request target (no URL normalization, unlike fetch). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  agent?: Agent;
  /** The client's own address (any of 127.0.0.0/8 is loopback on Linux): another client, as the service sees it. */
  localAddress?: string;
}

/** One HTTP request with the path sent verbatim; rejects on a socket error or after `timeoutMs` (default 30 s). */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method ?? 'GET',
        path: req.path,
        agent: req.agent ?? false,
        ...(req.localAddress ? { localAddress: req.localAddress } : {}),
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...req.headers },
        timeout: req.timeoutMs ?? 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${req.timeoutMs ?? 30_000} ms for ${req.path}`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export const STABLE_CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
/** A stack frame, a source path or a module location: none may reach a client. */
const LEAK_PATTERNS = [
  /\n\s*at\s/,
  /\bat (?:async )?[\w.<>]+ \(/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /node_modules/,
  new RegExp(escapeRegExp(REPO_ROOT.replace(/\/$/, ''))),
  new RegExp(escapeRegExp(tmpdir())),
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Problems with an error response: not the `{"error":{"code","message"}}` shape, an unstable code, or a leak. */
export function errorBodyProblems(response: RawResponse): string[] {
  const problems: string[] = [];
  const text = response.body.toString('utf8');
  for (const pattern of LEAK_PATTERNS) if (pattern.test(text)) problems.push(`body leaks ${pattern}: ${text.slice(0, 300)}`);
  if (!String(response.headers['content-type'] ?? '').startsWith('application/json')) {
    problems.push(`content-type ${response.headers['content-type']}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push(`body is not JSON: ${text.slice(0, 200)}`);
    return problems;
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') {
    problems.push(`body is not {"error":{"code","message"}}: ${text.slice(0, 200)}`);
  } else if (!STABLE_CODE.test(error.code)) {
    problems.push(`code ${error.code} is not SCREAMING_SNAKE`);
  }
  return problems;
}

export function errorCode(response: RawResponse): string {
  try {
    return String((JSON.parse(response.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code ?? '-');
  } catch {
    return '-';
  }
}

/** Runs `work` over `items` with at most `concurrency` at once, keeping order in the results. */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(runners);
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns true, at most `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export interface SpawnedServer {
  child: ChildProcess;
  baseUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/**
 * How long a spawned server may take to answer /healthz. Only a bound on start-up, which is not what any test
 * measures: three servers started at once took over 30 s on a machine at a load of 24.
 */
export const SPAWN_DEADLINE_MS = 90_000;

/** Spawns `src/server.ts` (the real entry point) on a free port and waits until /healthz answers. */
export async function spawnServer(env: Record<string, string>): Promise<SpawnedServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, path.join(REPO_ROOT, 'src/server.ts')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...PRODUCTION_SERVICE_ENV, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Only the tail is kept: enough to explain a failure, bounded however long the process runs.
  const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-64 * 1024));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + SPAWN_DEADLINE_MS;
  for (;;) {
    const healthy = await rawRequest(baseUrl, { path: '/healthz', timeoutMs: 1000 }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (healthy) break;
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the spawned server did not come up; output: ${output.slice(-2000)}`);
    }
    await sleep(100);
  }
  return { child, baseUrl, output: () => output, exited };
}

/** An RSA key pair written to `dir`, for pointing a spawned server (MDES_SIGNING_KEY) at a test's own simulator. */
export async function writeSigningKey(dir: string): Promise<{ keyPath: string; publicKeyPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPath = path.join(dir, 'signing-key.pem');
  await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { keyPath, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Resident set size of a process in MB, from /proc (Linux). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}
