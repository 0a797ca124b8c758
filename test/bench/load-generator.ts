/** HTTP load for the benchmark: autocannon for throughput, a small closed-loop client for exact latencies. */
import { Agent, request } from 'node:http';
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';

export interface ThroughputResult {
  requestsPerSecond: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  total: number;
}

export interface ThroughputOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Picks each request's path; without it every request goes to `url`. */
  nextPath?: () => string;
}

export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const requests: AutocannonRequest[] | undefined = options.nextPath
    ? [{ setupRequest: (req) => ({ ...req, path: options.nextPath!() }) }]
    : undefined;
  const result: AutocannonResult = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 30,
    ...(requests ? { requests } : {}),
  });
  const total = result['2xx'] + result.non2xx;
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total,
  };
}

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
