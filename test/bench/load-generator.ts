/**
 * HTTP load for the benchmark: wrk (C, epoll, drops bodies without converting them) for throughput, a small
 * closed-loop client for exact latencies. wrk comes from Debian (`apt-get install wrk`); the bench refuses to run
 * throughput rows without it rather than fall back to a generator that cannot saturate the floors.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import path from 'node:path';

export const WRK_BINARY = process.env.BENCH_WRK ?? '/usr/bin/wrk';

export interface ThroughputResult {
  requestsPerSecond: number;
  /** Response bytes (headers + bodies) per second as wrk counted them. */
  bytesPerSecond: number;
  p99Ms: number;
  /** Responses with a status >= 400 (wrk's "non-2xx or 3xx"). */
  non2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
  total: number;
  durationSeconds: number;
  /** CPU seconds (user + system) wrk itself used, from the shell's `times` after it exited (its reaped rusage). */
  generatorCpuSeconds: number;
  /** generatorCpuSeconds per second of run per wrk thread: near 1 means wrk, not the server, set the rate. */
  generatorCpuShare: number;
  /**
   * The rate wrk alone could drive for this response stream: requestsPerSecond / generatorCpuShare (its cost per
   * request is the same whoever answers, so at a full core it reaches this).
   */
  generatorCeiling: number;
}

export interface ThroughputOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** wrk threads (default 1: on 2 cores one for the generator, one for the server under test). */
  threads?: number;
  /**
   * Lua body of a `request()` that returns a path, with `counter` (per connection-thread, from 0) and `thread_id`
   * in scope, e.g. `return "/x?text=" .. counter`. Without it every request goes to `url`.
   */
  nextPathLua?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Folder for the generated Lua script. */
  scriptDir: string;
}

/** Fails with the install hint when wrk is missing. */
export function assertWrkInstalled(): void {
  if (!existsSync(WRK_BINARY)) throw new Error(`wrk not found at ${WRK_BINARY}: install wrk: apt-get install wrk`);
}

let scriptCounter = 0;

/** One wrk run; the Lua `done` hook prints the summary as JSON, which is all that is parsed. */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  assertWrkInstalled();
  const script = path.join(options.scriptDir, `wrk-${process.pid}-${scriptCounter++}.lua`);
  await writeFile(script, wrkScript(options));
  const args = [
    `-t${options.threads ?? 1}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--timeout',
    '30s',
    '-s',
    script,
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    options.url,
  ];
  // Through bash so its `times` builtin reports wrk's own CPU once wrk has exited (rusage of the reaped child).
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('/bin/bash', ['-c', '"$@"; status=$?; times; exit $status', 'bash', WRK_BINARY, ...args], { maxBuffer: 1 << 20 }, (error, out, err) => {
      if (error) reject(new Error(`wrk failed: ${error.message}\n${err}`));
      else resolve(out);
    });
  });
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('WRK_JSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const summary = JSON.parse(line.slice('WRK_JSON '.length)) as {
    requests: number;
    bytes: number;
    durationUs: number;
    connectErrors: number;
    readErrors: number;
    writeErrors: number;
    statusErrors: number;
    timeouts: number;
    p99Us: number;
  };
  const seconds = summary.durationUs / 1e6;
  const generatorCpuSeconds = childCpuSecondsFromTimes(stdout);
  const generatorCpuShare = generatorCpuSeconds / seconds / (options.threads ?? 1);
  const requestsPerSecond = (summary.requests - summary.statusErrors) / seconds;
  return {
    requestsPerSecond,
    bytesPerSecond: summary.bytes / seconds,
    p99Ms: summary.p99Us / 1000,
    non2xx: summary.statusErrors,
    errors: summary.connectErrors + summary.readErrors + summary.writeErrors + summary.timeouts,
    total: summary.requests,
    durationSeconds: seconds,
    generatorCpuSeconds,
    generatorCpuShare,
    generatorCeiling: requestsPerSecond / Math.max(generatorCpuShare, 0.01),
  };
}

/** bash `times` prints the shell's user/system time, then its children's, as e.g. `0m1.234s 0m0.567s`. */
export function childCpuSecondsFromTimes(stdout: string): number {
  const lines = stdout.trim().split('\n');
  const children = lines.at(-1)?.match(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/);
  if (!children) throw new Error(`no CPU times after wrk's output:\n${stdout}`);
  const [, userMinutes, userSeconds, systemMinutes, systemSeconds] = children.map(Number) as number[];
  return userMinutes! * 60 + userSeconds! + systemMinutes! * 60 + systemSeconds!;
}

function wrkScript(options: ThroughputOptions): string {
  const request = options.nextPathLua
    ? `
local thread_counter = 0
function request()
  local counter = thread_counter
  thread_counter = thread_counter + 1
  local path = (function() ${options.nextPathLua} end)()
  return wrk.format("GET", path)
end`
    : '';
  return `-- generated by test/bench/load-generator.ts
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
${request}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"bytes":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p99Us":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(99)))
end
`;
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** sysconf(_SC_CLK_TCK) is 100 on every Linux Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface LatencyRunOptions {
  baseUrl: string;
  connections: number;
  durationMs: number;
  nextPath: () => string;
}

export interface LatencyRun {
  /** One entry per completed 2xx/304 response, milliseconds. */
  latenciesMs: number[];
  failures: number;
}

/** `connections` keep-alive loops, each sending its next request when the previous answer is fully read. */
export async function measureLatencies(options: LatencyRunOptions): Promise<LatencyRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latenciesMs: number[] = [];
  let failures = 0;
  const deadline = performance.now() + options.durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const start = performance.now();
      const status = await get(agent, options.baseUrl, options.nextPath());
      if (status >= 200 && status < 400) latenciesMs.push(performance.now() - start);
      else failures += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, loop));
  } finally {
    agent.destroy();
  }
  return { latenciesMs, failures };
}

/** One GET whose body is read and dropped; resolves with the status (0 on a network error). */
export function get(agent: Agent, baseUrl: string, path: string, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(new URL(path, baseUrl), { agent, timeout: timeoutMs }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', () => resolve(0));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(0));
    req.end();
  });
}
