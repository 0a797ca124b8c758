/**
 * Row 8: saturated distinct cold renders — GET /v1/card-art with a new `text` each (assets and layers cached, so
 * every request is one compose + encode + cache write), driven by wrk at 2 × (RENDER_CONCURRENCY − 1: what one client
 * may run at once) connections against the service child at its defaults. Floors, in the bench process, alternated
 * with it each round:
 * - cards/s: one sharp call per card (pre-rasterized layers + a text layer, composite + PNG) at the same concurrency;
 * - CPU per card: the project's renderer called in-process (createCardRenderer, a new text each, same concurrency).
 */
import { cpus } from 'node:os';
import type { AssetMedia } from '../../../src/core/asset-media.ts';
import { createCardRenderer } from '../../../src/core/card-renderer.ts';
import { computeCardLayout } from '../../../src/core/layout.ts';
import { createRasterizer } from '../../../src/core/rasterizer.ts';
import { renderTextOverlay } from '../../../src/core/text-overlay.ts';
import { DEFAULT_RENDER_CONCURRENCY } from '../../../src/config.ts';
import { ASSET_IDS, cardArtPath, mixedCard } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median } from '../bench-stats.ts';
import { prepareComposeFloor } from '../floors.ts';
import { measureThroughput, processCpuSeconds } from '../load-generator.ts';
import { startServiceChild } from '../service-child.ts';

const SECONDS_PER_RUN = 4;

interface Run {
  cardsPerSecond: number;
  cpuMsPerCard: number;
  /** Service runs only: the rate wrk alone could drive (its rate / its CPU share). */
  generatorCeiling?: number;
}

/** Runs `work` from `concurrency` loops for `seconds`; cards/s and this process's CPU per card. */
async function saturate(concurrency: number, seconds: number, work: (n: number) => Promise<unknown>): Promise<Run> {
  let done = 0;
  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await work(next++);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { cardsPerSecond: done / elapsed, cpuMsPerCard: (cpu.user + cpu.system) / 1000 / done };
}

export async function measureColdThroughput(ctx: BenchContext): Promise<BenchRow[]> {
  // What one client (wrk, from one address) may run at once: all render slots but one.
  const concurrency = Math.max(1, DEFAULT_RENDER_CONCURRENCY - 1);
  const connections = 2 * concurrency;
  const { media } = ctx.assets;
  const byId = new Map<string, AssetMedia>([
    [ASSET_IDS.background, media.background],
    [ASSET_IDS.issuer, media.issuer],
    [ASSET_IDS.brandPdf, media.brandPdf],
  ]);
  const layout = computeCardLayout({ issuer: media.issuer, brand: media.brandPdf });
  const textLayer = { image: renderTextOverlay('•••• 0000', 'ffffff', layout.textArea), left: layout.textArea.left, top: layout.textArea.top };
  const floor = await prepareComposeFloor({ background: media.background, issuer: media.issuer, brand: media.brandPdf }, [textLayer]);
  const rasterizer = createRasterizer();
  const renderer = createCardRenderer({ loadMedia: async (id) => byId.get(id)!, rasterizer });
  const service = await startServiceChild(ctx, { name: 'cold-throughput' });
  try {
    // Assets fetched, layers rasterized and the JIT warm on both sides before any timing.
    const warm = await fetch(`${service.baseUrl}${cardArtPath(mixedCard(), { text: '•••• W000', format: 'png' })}`);
    if (!warm.ok) throw new Error(`warm-up failed: ${warm.status} ${await warm.text()}`);
    await warm.arrayBuffer();
    let renderCounter = 0;
    let currentRound = 0;
    // The same text shape as the service's requests ("•••• C<round>-<thread>-<n>"): the text layer's cost grows with its ink box.
    const renderInProcess = () =>
      renderer.renderCard({ productConfig: mixedCard(), text: `•••• I${currentRound}-0-${renderCounter++}`, width: 1536, format: 'png' });
    await saturate(concurrency, 1, renderInProcess);
    await saturate(concurrency, 1, () => floor.run());
    const basePath = cardArtPath(mixedCard(), { format: 'png' });
    const runService = async (round: number): Promise<Run> => {
      const cpuBefore = await processCpuSeconds(service.pid);
      // "•••• C<round>-<thread>-<n>": a text (so a card) no earlier request asked for.
      const result = await measureThroughput({
        url: `${service.baseUrl}${basePath}`,
        connections,
        durationSeconds: SECONDS_PER_RUN,
        scriptDir: ctx.workDir,
        nextPathLua: `return "${basePath}&text=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%20C${round}-" .. thread_id .. "-" .. counter`,
      });
      const cpuSeconds = (await processCpuSeconds(service.pid)) - cpuBefore;
      if (result.non2xx + result.errors > 0) throw new Error(`${result.non2xx + result.errors} cold requests failed`);
      return {
        cardsPerSecond: result.requestsPerSecond,
        cpuMsPerCard: (cpuSeconds * 1000) / Math.max(1, result.total),
        generatorCeiling: result.generatorCeiling,
      };
    };
    const serviceRuns: Run[] = [];
    const floorRuns: Run[] = [];
    const inProcessRuns: Run[] = [];
    for (let round = 0; round < ctx.rounds; round++) {
      const steps = [
        async () => serviceRuns.push(await runService(round)),
        async () => floorRuns.push(await saturate(concurrency, SECONDS_PER_RUN, () => floor.run())),
        async () => {
          currentRound = round;
          renderCounter = 0;
          inProcessRuns.push(await saturate(concurrency, SECONDS_PER_RUN, renderInProcess));
        },
      ];
      for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]!();
      ctx.log(
        `  round ${round + 1}: service ${serviceRuns.at(-1)!.cardsPerSecond.toFixed(1)} cards/s ${serviceRuns.at(-1)!.cpuMsPerCard.toFixed(1)} CPU-ms/card, ` +
          `one sharp call ${floorRuns.at(-1)!.cardsPerSecond.toFixed(1)} cards/s ${floorRuns.at(-1)!.cpuMsPerCard.toFixed(1)} CPU-ms, ` +
          `in-process renderer ${inProcessRuns.at(-1)!.cardsPerSecond.toFixed(1)} cards/s ${inProcessRuns.at(-1)!.cpuMsPerCard.toFixed(1)} CPU-ms`,
      );
    }
    const details = { concurrency, connections, cores: cpus().length, secondsPerRun: SECONDS_PER_RUN, serviceRuns, floorRuns, inProcessRuns };
    return [
      makeRow({
        measure: `8 distinct cold renders, ${concurrency} at once (cards/s)`,
        figure: median(serviceRuns.map((r) => r.cardsPerSecond)),
        floor: median(floorRuns.map((r) => r.cardsPerSecond)),
        // The floor runs in-process (no generator); wrk's ceiling for the service's runs shows it was not the limit.
        ceiling: median(serviceRuns.map((r) => r.generatorCeiling ?? 0)),
        unit: 'cards/s',
        goal: { kind: 'at-least', value: 0.85 },
        details,
      }),
      makeRow({
        measure: `8 distinct cold renders: CPU per card vs in-process renderer (ms)`,
        figure: median(serviceRuns.map((r) => r.cpuMsPerCard)),
        floor: median(inProcessRuns.map((r) => r.cpuMsPerCard)),
        unit: 'ms',
        goal: { kind: 'at-most', value: 1.15 },
        details: { oneSharpCallCpuMsPerCard: median(floorRuns.map((r) => r.cpuMsPerCard)) },
      }),
    ];
  } finally {
    await service.stop();
    await rasterizer.close();
  }
}
