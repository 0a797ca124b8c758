/**
 * Row 5: 100 concurrent identical cold requests → upstream calls per asset and renders (goal 1 each), and their
 * total time vs one single cold request. In-process, so the simulator's request counts can be read.
 */
import type { Server } from 'node:http';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config.ts';
import type { CardRenderer } from '../../../src/core/card-renderer.ts';
import { createApp } from '../../../src/service/create-app.ts';
import { createServices } from '../../../src/service/create-services.ts';
import { loadServiceConfig } from '../../../src/service/service-config.ts';
import { cardArtPath, createColdCopies } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median, timeMs } from '../bench-stats.ts';
import { get } from '../load-generator.ts';

const CONCURRENT_REQUESTS = 100;

export async function measureColdCoalescing(ctx: BenchContext): Promise<BenchRow[]> {
  const config = loadConfig({
    PORT: '0',
    SIMULATOR_ASSET_DIR: ctx.assets.dir,
    CACHE_DIR: path.join(ctx.workDir, 'cache-coalescing'),
  });
  const services = await createServices(config, loadServiceConfig({ LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
  let renders = 0;
  const renderer: CardRenderer = services.deps.renderer;
  services.deps.renderer = {
    ...renderer,
    renderCard: (request, signal) => {
      renders += 1;
      return renderer.renderCard(request, signal);
    },
  };
  const server: Server = createApp(services.deps).listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const simulator = services.simulator;
  if (!simulator) throw new Error('the bench needs the embedded simulator');
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENT_REQUESTS });
  try {
    const singleMs: number[] = [];
    const burstMs: number[] = [];
    const maxUpstreamCallsPerAsset: number[] = [];
    const rendersPerBurst: number[] = [];
    // The same 100 requests again once cached: what delivering 100 responses costs without any render.
    const warmBurstMs: number[] = [];
    // Warm JIT, workers and sockets on a card of its own.
    await coldRequest(agent, baseUrl, await createColdCopies(ctx.assets.dir, 'coalesce-warmup'));
    for (let round = 0; round < ctx.rounds; round++) {
      const singleCard = await createColdCopies(ctx.assets.dir, `single-${round}`);
      singleMs.push(await timeMs(() => coldRequest(agent, baseUrl, singleCard)));

      const burstCard = await createColdCopies(ctx.assets.dir, `burst-${round}`);
      simulator.resetCounts();
      renders = 0;
      burstMs.push(
        await timeMs(() => Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, () => coldRequest(agent, baseUrl, burstCard)))),
      );
      const counts = simulator.counts();
      const assetIds = Object.values(burstCard).filter((value): value is string => typeof value === 'string' && value.startsWith('bench-'));
      maxUpstreamCallsPerAsset.push(Math.max(...assetIds.map((id) => counts[`asset:${id}`] ?? 0)));
      rendersPerBurst.push(renders);
      warmBurstMs.push(await timeMs(() => Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, () => coldRequest(agent, baseUrl, burstCard)))));
      ctx.log(`  round ${round + 1}: single ${singleMs.at(-1)!.toFixed(0)} ms, ${CONCURRENT_REQUESTS} at once ${burstMs.at(-1)!.toFixed(0)} ms, upstream calls/asset ${maxUpstreamCallsPerAsset.at(-1)}, renders ${renders}, same ${CONCURRENT_REQUESTS} once cached ${warmBurstMs.at(-1)!.toFixed(0)} ms`);
    }
    const details = { singleMs, burstMs, warmBurstMs, maxUpstreamCallsPerAsset, rendersPerBurst, concurrentRequests: CONCURRENT_REQUESTS };
    return [
      makeRow({
        measure: `5 ${CONCURRENT_REQUESTS} identical cold: upstream calls/asset`,
        figure: Math.max(...maxUpstreamCallsPerAsset),
        unit: 'calls',
        goal: { kind: 'at-most', value: 1, label: '1' },
        details,
      }),
      makeRow({
        measure: `5 ${CONCURRENT_REQUESTS} identical cold: renders`,
        figure: Math.max(...rendersPerBurst),
        unit: 'renders',
        goal: { kind: 'at-most', value: 1, label: '1' },
      }),
      makeRow({
        measure: `5 ${CONCURRENT_REQUESTS} identical cold: total vs 1 cold (ms)`,
        figure: median(burstMs),
        floor: median(singleMs),
        unit: 'ms',
        goal: { kind: 'at-most', value: 1.5 },
        details: { warmBurstMedianMs: median(warmBurstMs) },
      }),
    ];
  } finally {
    agent.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await services.close();
  }
}

async function coldRequest(agent: Agent, baseUrl: string, card: Parameters<typeof cardArtPath>[0]): Promise<void> {
  const status = await get(agent, baseUrl, cardArtPath(card, { format: 'png' }));
  if (status !== 200) throw new Error(`cold request answered ${status}`);
}
