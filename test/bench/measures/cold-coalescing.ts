/**
 * Row 5: 100 concurrent identical cold requests → upstream calls per asset and renders (goal 1 each), and their
 * total time vs one single cold request. The service runs as a child process (client and server on separate
 * cores, as in production); the counts come from its /metrics. The client is an undici pool of 100 keep-alive
 * connections draining bodies unparsed: receiving the 100 × 270 KB is the larger part of the burst after the
 * render, and undici costs ~30 % less than node:http for it (bare node:http's 100 answers: 13 vs 19 ms).
 */
import { writeFile } from 'node:fs/promises';
import { Pool } from 'undici';
import path from 'node:path';
import { cardArtPath, createColdCopies } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median, timeMs } from '../bench-stats.ts';
import type { NodeChild } from '../child-process.ts';
import { imageHeadersOf, startBareServer, startServiceChild } from '../service-child.ts';

const CONCURRENT_REQUESTS = 100;
/** A round takes well under a second and single cold requests vary by ±40 % here: three times the rounds, at least 9. */
const roundsFor = (ctx: BenchContext) => Math.max(3 * ctx.rounds, 9);

interface ServiceCounts {
  upstreamAssetCalls: number;
  cardRenders: number;
}

export async function measureColdCoalescing(ctx: BenchContext): Promise<BenchRow[]> {
  const service = await startServiceChild(ctx, { name: 'coalescing' });
  const pool = new Pool(service.baseUrl, { connections: CONCURRENT_REQUESTS });
  let barePool: Pool | undefined;
  let bare: NodeChild | undefined;
  const counts = () => readCounts(service.baseUrl);
  try {
    const singleMs: number[] = [];
    const burstMs: number[] = [];
    const upstreamCallsPerAsset: number[] = [];
    const rendersPerBurst: number[] = [];
    // The same 100 requests again once cached: what delivering 100 responses costs without any render.
    const warmBurstMs: number[] = [];
    // Warm JIT, the PDF worker and all 100 keep-alive sockets on a card of its own, so no round pays for TCP
    // handshakes the single request (on a reused socket) does not.
    const warmupCard = await createColdCopies(ctx.assets.dir, 'coalesce-warmup');
    await Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, () => coldRequest(pool, warmupCard)));
    // The delivery floor: bare node:http answering the same card's bytes to the same 100 concurrent requests.
    const cardFile = path.join(ctx.workDir, 'coalescing-card.png');
    const cardResponse = await fetch(`${service.baseUrl}${cardArtPath(warmupCard, { format: 'png' })}`);
    await writeFile(cardFile, Buffer.from(await cardResponse.arrayBuffer()));
    bare = await startBareServer(ctx, cardFile, imageHeadersOf(cardResponse));
    barePool = new Pool(bare.baseUrl, { connections: CONCURRENT_REQUESTS });
    const toBare = barePool;
    const bareBurst = () => Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, () => drain(toBare, '/')));
    await bareBurst();
    const bareBurstMs: number[] = [];
    for (let round = 0; round < roundsFor(ctx); round++) {
      const singleCard = await createColdCopies(ctx.assets.dir, `single-${round}`);
      singleMs.push(await timeMs(() => coldRequest(pool, singleCard)));

      const burstCard = await createColdCopies(ctx.assets.dir, `burst-${round}`);
      const assetCount = Object.values(burstCard).filter((value) => typeof value === 'string' && value.startsWith('bench-')).length;
      const before = await counts();
      burstMs.push(
        await timeMs(() => Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, () => coldRequest(pool, burstCard)))),
      );
      const after = await counts();
      // Every fresh asset needs at least one call, so calls == assets means exactly one call per asset.
      upstreamCallsPerAsset.push((after.upstreamAssetCalls - before.upstreamAssetCalls) / assetCount);
      rendersPerBurst.push(after.cardRenders - before.cardRenders);
      warmBurstMs.push(
        await timeMs(() => Promise.all(Array.from({ length: CONCURRENT_REQUESTS }, () => coldRequest(pool, burstCard)))),
      );
      bareBurstMs.push(await timeMs(bareBurst));
      ctx.log(
        `  round ${round + 1}: single ${singleMs.at(-1)!.toFixed(0)} ms, ${CONCURRENT_REQUESTS} at once ${burstMs.at(-1)!.toFixed(0)} ms, ` +
          `upstream calls/asset ${upstreamCallsPerAsset.at(-1)}, renders ${rendersPerBurst.at(-1)}, same ${CONCURRENT_REQUESTS} once cached ${warmBurstMs.at(-1)!.toFixed(0)} ms, bare node:http ${bareBurstMs.at(-1)!.toFixed(0)} ms`,
      );
    }
    const details = { singleMs, burstMs, warmBurstMs, bareBurstMs, upstreamCallsPerAsset, rendersPerBurst, concurrentRequests: CONCURRENT_REQUESTS };
    return [
      makeRow({
        measure: `5 ${CONCURRENT_REQUESTS} identical cold: upstream calls/asset`,
        figure: Math.max(...upstreamCallsPerAsset),
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
        details: { warmBurstMedianMs: median(warmBurstMs), bareBurstMedianMs: median(bareBurstMs) },
      }),
    ];
  } finally {
    await pool.close();
    await barePool?.close();
    await bare?.stop();
    await service.stop();
  }
}

/** Upstream Get Asset calls and completed card renders so far, from the service's Prometheus metrics. */
async function readCounts(baseUrl: string): Promise<ServiceCounts> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  return {
    upstreamAssetCalls: metricValue(text, 'card_art_upstream_calls_total{operation="asset"}'),
    cardRenders: metricValue(text, 'card_art_renders_total{kind="card"}'),
  };
}

/** The value of one sample line (name with labels exactly as printed); an absent counter is 0. */
function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** One GET whose body is drained without being kept; resolves with the status. */
async function drain(pool: Pool, path: string): Promise<number> {
  const { statusCode, body } = await pool.request({ path, method: 'GET' });
  await body.dump({ limit: Number.MAX_SAFE_INTEGER });
  return statusCode;
}

async function coldRequest(pool: Pool, card: Parameters<typeof cardArtPath>[0]): Promise<void> {
  const status = await drain(pool, cardArtPath(card, { format: 'png' }));
  if (status !== 200) throw new Error(`cold request answered ${status}`);
}
