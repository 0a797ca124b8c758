/** Starts a Node script as a child process on a loopback port, waits until it answers, samples its RSS. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

export interface NodeChild {
  pid: number;
  baseUrl: string;
  /** Resident set size in bytes (from /proc/<pid>/status). */
  rssBytes(): Promise<number>;
  /** RSS of the process and all its descendants (e.g. the rasterizer process), in bytes. */
  treeRssBytes(): Promise<number>;
  /** The end of what the child wrote to stdout and stderr (for error messages). */
  recentOutput(): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartNodeChildOptions {
  script: string;
  args?: string[];
  /** Extra Node flags, e.g. --cpu-prof. */
  execArgv?: string[];
  env: Record<string, string>;
  port: number;
  /** stdout and stderr go to this file (not through the benchmark process, which must stay free for load). */
  logFile: string;
  /** Path polled with GET until it answers 200. */
  readyPath: string;
  readyTimeoutMs?: number;
}

const OUTPUT_KEPT_CHARS = 4000;

export async function startNodeChild(options: StartNodeChildOptions): Promise<NodeChild> {
  const logFd = openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [...(options.execArgv ?? []), options.script, ...(options.args ?? [])], {
    // An empty value unsets the variable (an empty MALLOC_MMAP_THRESHOLD_ would mean 0 to glibc).
    env: Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter(([, value]) => value !== '')),
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const recentOutput = async () => (await readFile(options.logFile, 'utf8').catch(() => '')).slice(-OUTPUT_KEPT_CHARS);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const handle: NodeChild = {
    pid: child.pid ?? -1,
    baseUrl,
    rssBytes: () => readRss(child),
    treeRssBytes: () => readTreeRss(child.pid ?? -1),
    recentOutput,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitUntilReady(`${baseUrl}${options.readyPath}`, options.readyTimeoutMs ?? 20_000, () => child.exitCode !== null);
  } catch (error) {
    await handle.stop(1000);
    throw new Error(`${options.script} did not become ready: ${(error as Error).message}\n--- output ---\n${await recentOutput()}`);
  }
  return handle;
}

async function waitUntilReady(url: string, timeoutMs: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('process exited');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms (${lastError})`);
}

async function readTreeRss(pid: number): Promise<number> {
  let total = await readPidRss(pid).catch(() => 0);
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const task of tasks) {
    const children = (await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')).trim();
    for (const childPid of children ? children.split(/\s+/).map(Number) : []) total += await readTreeRss(childPid);
  }
  return total;
}

async function readPidRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function readRss(child: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${child.pid}/status`);
  return Number(match[1]) * 1024;
}
