/** Row 4: warm-hit p99 latency while a stream of cold renders runs vs warm-hit p99 alone. */
import { Agent } from 'node:http';
import { cardArtPath, mixedCard } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median, percentile } from '../bench-stats.ts';
import { get, measureLatencies } from '../load-generator.ts';
import { startServiceChild } from '../service-child.ts';

const WARM_CONNECTIONS = 4;
/** Two cold renders in flight (the service runs DEFAULT_RENDER_CONCURRENCY of them at once, the rest wait in its queue). */
const COLD_STREAMS = 2;
const MS_PER_RUN = 4000;

export async function measureLatencyUnderLoad(ctx: BenchContext): Promise<BenchRow> {
  const service = await startServiceChild(ctx, { name: 'latency' });
  let coldSent = 0;
  let coldFailed = 0;
  let textCounter = 0;
  const coldPath = () => cardArtPath(mixedCard(), { text: `•••• L${String(textCounter++).padStart(5, '0')}`, format: 'png' });
  try {
    const warmPath = cardArtPath(mixedCard(), { format: 'png' });
    const agent = new Agent({ keepAlive: true });
    // The card's assets and the warm image cached; one cold render done so the renderer is warm too.
    for (const path of [warmPath, coldPath()]) {
      if ((await get(agent, service.baseUrl, path)) !== 200) throw new Error(`warm-up ${path} failed: ${await service.recentOutput()}`);
    }
    const warmRun = () => measureLatencies({ baseUrl: service.baseUrl, connections: WARM_CONNECTIONS, durationMs: MS_PER_RUN, nextPath: () => warmPath });
    const aloneP99: number[] = [];
    const loadedP99: number[] = [];
    const coldRendersPerSecond: number[] = [];
    for (let round = 0; round < ctx.rounds; round++) {
      const alone = await warmRun();
      aloneP99.push(percentile(alone.latenciesMs, 99));

      let stop = false;
      const before = coldSent;
      const coldStream = async () => {
        while (!stop) {
          coldSent += 1;
          if ((await get(agent, service.baseUrl, coldPath())) !== 200) coldFailed += 1;
        }
      };
      const streams = Array.from({ length: COLD_STREAMS }, coldStream);
      const loaded = await warmRun();
      stop = true;
      await Promise.all(streams);
      loadedP99.push(percentile(loaded.latenciesMs, 99));
      coldRendersPerSecond.push(((coldSent - before) * 1000) / MS_PER_RUN);
      if (alone.failures + loaded.failures > 0) throw new Error(`${alone.failures + loaded.failures} warm requests failed`);
      ctx.log(`  round ${round + 1}: warm p99 alone ${aloneP99.at(-1)!.toFixed(1)} ms, with cold renders ${loadedP99.at(-1)!.toFixed(1)} ms`);
    }
    agent.destroy();
    if (coldFailed > 0) throw new Error(`${coldFailed} of ${coldSent} cold renders failed`);
    return makeRow({
      measure: `4 warm p99 during cold renders (ms)`,
      figure: median(loadedP99),
      floor: median(aloneP99),
      unit: 'ms',
      goal: { kind: 'at-most', value: 3 },
      details: { loadedP99, aloneP99, coldRendersPerSecond, warmConnections: WARM_CONNECTIONS, coldStreams: COLD_STREAMS, msPerRun: MS_PER_RUN },
    });
  } finally {
    await service.stop();
  }
}
