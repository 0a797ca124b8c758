/**
 * /metrics counts the service's refusals and isolation events: per-client render shares (429 RENDER_CLIENT_LIMIT),
 * the MDES budget (503 UPSTREAM_BUSY), rasterizer process restarts and remembered-failure hits. Each series is
 * there with its help text from the start, and moves when the real event happens in a running service.
 */
import { readdir, readFile, rm, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './service-harness.ts';

const SERIES = {
  card_art_render_client_refused_total: 'Cold renders refused with 429 RENDER_CLIENT_LIMIT',
  card_art_upstream_budget_refused_total: 'MDES calls refused with 503 UPSTREAM_BUSY',
  card_art_rasterizer_restarts_total: 'Rasterizer processes that died or were killed',
  card_art_remembered_failure_hits_total: 'Requests answered from a remembered failure',
} as const;
type Series = keyof typeof SERIES;

async function metricsText(service: TestService): Promise<string> {
  return (await fetch(`${service.baseUrl}/metrics`)).text();
}

async function value(service: TestService, series: Series): Promise<number> {
  const match = new RegExp(`^${series} (\\d+)$`, 'm').exec(await metricsText(service));
  if (!match) throw new Error(`${series} is not in /metrics`);
  return Number(match[1]);
}

async function code(response: Response): Promise<string> {
  if (response.status === 200) return '200';
  const body = (await response.json()) as { error?: { code?: string } };
  return `${response.status} ${body.error?.code}`;
}

/** PIDs of this process's rasterizer children (the service runs in this process). */
async function rasterizerPids(): Promise<number[]> {
  const children = (await readFile(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
  const pids: number[] = [];
  for (const pid of children) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (/rasterizer/.test(cmdline)) pids.push(Number(pid));
  }
  return pids;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('refusal and isolation metrics', () => {
  let assetDir: string;
  const ids = ['metrics-a', 'metrics-b', 'metrics-c', 'metrics-d', 'metrics-e'];

  beforeAll(async () => {
    assetDir = await mkdtemp(path.join(tmpdir(), 'card-art-metrics-assets-'));
    for (const [i, id] of ids.entries()) {
      const png = await sharp({ create: { width: 320, height: 202, channels: 4, background: { r: 50 * i, g: 90, b: 160, alpha: 1 } } }).png().toBuffer();
      await writeFile(path.join(assetDir, `${id}.png`), png);
    }
    expect((await readdir(assetDir)).length).toBe(ids.length);
  });

  afterAll(async () => {
    await rm(assetDir, { recursive: true, force: true });
  });

  describe('one service with a per-client share of one cold render', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService(assetDir, { RENDER_MAX_PER_CLIENT: '1' });
    });
    afterAll(async () => {
      await service?.close();
    });

    it('has every series with its help text, at zero', async () => {
      const text = await metricsText(service);
      for (const [series, help] of Object.entries(SERIES)) {
        expect(text).toMatch(new RegExp(`^# HELP ${series} ${help}`, 'm'));
        expect(text).toMatch(new RegExp(`^# TYPE ${series} counter$`, 'm'));
        expect(text).toMatch(new RegExp(`^${series} 0$`, 'm'));
      }
    });

    it('counts a cold render refused because the client had its share', async () => {
      service.simulator.faults.inject('*', { kind: 'latency', ms: 800 }, 2);
      const answers = await Promise.all(ids.slice(0, 2).map(async (id) => code(await fetch(`${service.baseUrl}/v1/assets/${id}?width=256`))));
      expect(answers.sort()).toEqual(['200', '429 RENDER_CLIENT_LIMIT']);
      expect(await value(service, 'card_art_render_client_refused_total')).toBe(1);
    });

    it('counts a request answered from a remembered failure', async () => {
      const first = await fetch(`${service.baseUrl}/v1/assets/metrics-unknown?width=256`);
      expect(await code(first)).toBe('404 ASSET_NOT_FOUND');
      expect(await value(service, 'card_art_remembered_failure_hits_total')).toBe(0);
      const repeat = await fetch(`${service.baseUrl}/v1/assets/metrics-unknown?width=256`);
      expect(await code(repeat)).toBe('404 ASSET_NOT_FOUND');
      expect(await value(service, 'card_art_remembered_failure_hits_total')).toBe(1);
      expect(service.simulator.counts()['asset:metrics-unknown']).toBe(1);
    });

    it('counts a rasterizer process that died and was replaced', async () => {
      const [pid] = await rasterizerPids();
      expect(pid).toBeGreaterThan(0);
      process.kill(pid!, 'SIGKILL');
      await until('the restart to be counted', async () => (await value(service, 'card_art_rasterizer_restarts_total')) === 1);
      await until('a replacement process', async () => (await rasterizerPids()).some((other) => other !== pid));
    });
  });

  describe('one service with an MDES budget of one call a second and no wait', () => {
    let service: TestService;
    beforeAll(async () => {
      service = await startTestService(assetDir, { UPSTREAM_MAX_RPS: '1', UPSTREAM_BUDGET_WAIT_MS: '0' });
    });
    afterAll(async () => {
      await service?.close();
    });

    it('counts MDES calls refused for lack of budget', async () => {
      const answers = await Promise.all(ids.map(async (id) => code(await fetch(`${service.baseUrl}/v1/assets/${id}?width=256`))));
      const busy = answers.filter((answer) => answer === '503 UPSTREAM_BUSY').length;
      expect(busy, answers.join(', ')).toBeGreaterThan(0);
      expect(await value(service, 'card_art_upstream_budget_refused_total')).toBeGreaterThanOrEqual(busy);
    });
  });
});
