/** The README configuration table against the one config schema: the same names, the same defaults. */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_SAMPLES_DIR, DEFAULT_NTU_RESPONSE_HOST, envSchema, loadConfig } from '../src/config.ts';
import { DEFAULT_CACHE_MAX_MB } from '../src/cache/variant-bound.ts';
import { DEFAULT_RENDER_MAX_PER_CLIENT, DEFAULT_RENDER_QUEUE_WAIT_MS } from '../src/service/client-render-gate.ts';
import { DEFAULT_READINESS_PROBE_INTERVAL_MS } from '../src/service/readiness.ts';
import { DEFAULT_SOCKET_MAX_UNREAD_KB, DEFAULT_SOCKET_TIMEOUTS } from '../src/service/socket-guard.ts';
import { DEFAULT_UPSTREAM_BUDGET_WAIT_MS, DEFAULT_UPSTREAM_MAX_RPS } from '../src/upstream/upstream-budget.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function readmeConfigRows(): Map<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('Fixed bounds'));
  return new Map([...section.matchAll(/^\| `([A-Z0-9_]+)` \| .* \| ([^|]+) \|$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
}

/** Defaults the README states in words because they are computed; each is checked against the schema value. */
const COMPUTED_DEFAULTS: Record<string, { shown: string; value: unknown }> = {
  SIMULATOR_ASSET_DIR: { shown: '`src/simulator/samples/`', value: BUNDLED_SAMPLES_DIR },
  RENDER_CONCURRENCY: { shown: 'the number of cores + 1', value: Math.max(1, availableParallelism()) + 1 },
  RASTERIZER_PROCESSES: { shown: 'the number of cores', value: Math.max(1, availableParallelism()) },
  NTU_RESPONSE_HOST: { shown: 'the host name', value: DEFAULT_NTU_RESPONSE_HOST },
};

describe('README configuration table', () => {
  it('names exactly the variables of envSchema', () => {
    expect([...readmeConfigRows().keys()].sort()).toEqual(Object.keys(envSchema.shape).sort());
  });

  it('states each default the schema applies', () => {
    const rows = readmeConfigRows();
    for (const [name, field] of Object.entries(envSchema.shape)) {
      const fallback = (field as { parse(v: unknown): unknown }).parse(undefined);
      const shown = rows.get(name);
      const computed = COMPUTED_DEFAULTS[name];
      if (computed) {
        expect([name, shown, fallback]).toEqual([name, computed.shown, computed.value]);
      } else if (fallback === undefined) {
        expect([name, /^(unset( = [a-z ]+)?|—|required with `MDES_BASE_URL`)$/.test(shown ?? '')]).toEqual([name, true]);
      } else {
        expect([name, shown]).toEqual([name, `\`${String(fallback)}\``]);
      }
    }
  });
});

describe('loadConfig', () => {
  it('treats blank values as unset and trims the others, for every variable alike', () => {
    const blank = loadConfig({ PORT: '  ', RATE_LIMIT_PER_MINUTE: '', LOG_LEVEL: '\t', CACHE_DIR: ' ', TRUST_PROXY: ' ' });
    const empty = loadConfig({});
    expect(blank).toEqual(empty);
    const trimmed = loadConfig({ PORT: ' 9090 ', RATE_LIMIT_PER_MINUTE: ' 60', TRUST_PROXY: ' 10.0.0.1 ', HTTP_REQUEST_TIMEOUT_MS: '45000 ' });
    expect([trimmed.port, trimmed.service.rateLimitPerMinute, trimmed.service.trustProxy, trimmed.service.socketTimeouts.requestTimeoutMs]).toEqual([
      9090,
      60,
      ['10.0.0.1'],
      45_000,
    ]);
  });

  it('gives the app a complete service config, server timeouts included', () => {
    const { service } = loadConfig({});
    expect(service).toEqual({
      renderConcurrency: Math.max(1, availableParallelism()) + 1,
      renderQueueLimit: 64,
      tokenRequestorsRefreshMs: 336 * 3_600_000,
      shutdownTimeoutMs: 10_000,
      layerCacheBytes: 32 * 1024 * 1024,
      rateLimitPerMinute: 0,
      trustProxy: undefined,
      logLevel: 'info',
      issuerAccountRanges: undefined,
      renderMaxPerClient: DEFAULT_RENDER_MAX_PER_CLIENT,
      renderQueueWaitMs: DEFAULT_RENDER_QUEUE_WAIT_MS,
      upstreamMaxRps: DEFAULT_UPSTREAM_MAX_RPS,
      upstreamBudgetWaitMs: DEFAULT_UPSTREAM_BUDGET_WAIT_MS,
      cacheMaxBytes: DEFAULT_CACHE_MAX_MB * 1024 * 1024,
      readinessProbeIntervalMs: DEFAULT_READINESS_PROBE_INTERVAL_MS,
      socketTimeouts: DEFAULT_SOCKET_TIMEOUTS,
      socketMaxUnreadBytes: DEFAULT_SOCKET_MAX_UNREAD_KB * 1024,
      rasterizerProcesses: Math.max(1, availableParallelism()),
    });
  });

  it('fails naming the variable for bad numbers, levels and URLs', () => {
    for (const [name, value] of [
      ['RENDER_QUEUE_LIMIT', '-1'],
      ['RENDER_CONCURRENCY', '0'],
      ['RASTERIZER_PROCESSES', '0'],
      ['HTTP_HEADERS_TIMEOUT_MS', '1e4'],
      ['LOG_LEVEL', 'loud'],
      ['CACHE_URL', 'http://127.0.0.1:6379'],
      ['MEMORY_CACHE_MB', '12.5'],
    ] as const) {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}:`));
    }
  });
});
