/**
 * Row 6: RSS of the service child under mixed load driven by wrk (16 connections, 90 % warm hits, 10 % distinct cold
 * renders: a new `text` each) for BENCH_SOAK_SECONDS, twice: at the default caps (MEMORY_CACHE_MB, LAYER_CACHE_MB)
 * and with a small memory LRU (SOAK_MEMORY_CACHE_MB) that fills early, so eviction is exercised. Goals: end RSS <=
 * 1.15 × (idle RSS + both caps), idle RSS measured after start and one warm request; and no growth across the second
 * half (least-squares trend of the samples). RSS is the service's plus its child processes' (the rasterizer).
 */
import { cardArtPath, mixedCard } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { measureThroughput } from '../load-generator.ts';
import { DEFAULT_LAYER_CACHE_MB, DEFAULT_MEMORY_CACHE_MB } from '../../../src/config.ts';
import { startServiceChild } from '../service-child.ts';

/** Small on purpose, so the LRU reaches its cap early in the run and eviction is exercised. */
export const SOAK_MEMORY_CACHE_MB = 16;
/** The service's default LAYER_CACHE_MB, set explicitly so the goal below names it. */
export const SOAK_LAYER_CACHE_MB = DEFAULT_LAYER_CACHE_MB;
/** Allocator slack, socket buffers and the JIT on top of idle RSS + caps. */
const RSS_ALLOWANCE = 1.15;
const CONNECTIONS = 16;
const COLD_SHARE = 0.1;
const SAMPLE_INTERVAL_MS = 500;
/** Allowed trend over the second half, as a share of the RSS at half time (allocator noise, JIT, socket buffers). */
const GROWTH_TOLERANCE = 0.05;

const MB = 1024 * 1024;

export async function measureMemorySoak(ctx: BenchContext): Promise<BenchRow[]> {
  return [
    ...(await soak(ctx, 'default caps', DEFAULT_MEMORY_CACHE_MB, DEFAULT_LAYER_CACHE_MB)),
    ...(await soak(ctx, 'small LRU', SOAK_MEMORY_CACHE_MB, SOAK_LAYER_CACHE_MB)),
  ];
}

async function soak(ctx: BenchContext, label: string, memoryCacheMb: number, layerCacheMb: number): Promise<BenchRow[]> {
  const service = await startServiceChild(ctx, {
    name: `soak-${memoryCacheMb}`,
    memoryCacheMb,
    // wrk is one client address standing in for many: its 16 connections may all be cold at once.
    env: { LAYER_CACHE_MB: String(layerCacheMb), RENDER_MAX_PER_CLIENT: String(CONNECTIONS) },
  });
  try {
    const warmPath = cardArtPath(mixedCard(), { format: 'png' });
    const warmUp = await fetch(`${service.baseUrl}${warmPath}`);
    if (!warmUp.ok) throw new Error(`warm-up failed: ${warmUp.status}`);
    await warmUp.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleMb = (await service.treeRssBytes()) / MB;

    // Deterministic 1-in-10 pattern rather than random, so every run sends the same mix; "•••• S<caps>-<thread>-<n>".
    const nextPathLua = `if counter % ${Math.round(1 / COLD_SHARE)} == 0 then return "${warmPath}&text=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%20S${memoryCacheMb}-" .. thread_id .. "-" .. counter else return "${warmPath}" end`;

    const samples: Array<{ seconds: number; rssMb: number }> = [];
    const started = performance.now();
    const sampler = setInterval(() => {
      service
        .treeRssBytes()
        .then((rss) => samples.push({ seconds: (performance.now() - started) / 1000, rssMb: rss / MB }))
        .catch(() => {});
    }, SAMPLE_INTERVAL_MS);
    let load;
    try {
      load = await measureThroughput({
        url: `${service.baseUrl}${warmPath}`,
        connections: CONNECTIONS,
        durationSeconds: ctx.soakSeconds,
        nextPathLua,
        scriptDir: ctx.workDir,
      });
    } finally {
      clearInterval(sampler);
    }
    if (samples.length < 4) throw new Error('too few RSS samples');
    const half = ctx.soakSeconds / 2;
    const secondHalf = samples.filter((sample) => sample.seconds >= half);
    const slopeMbPerSecond = leastSquaresSlope(secondHalf.map((sample) => [sample.seconds, sample.rssMb]));
    const growthMb = slopeMbPerSecond * (ctx.soakSeconds - half);
    const rssAtHalfMb = secondHalf[0]!.rssMb;
    const peakMb = Math.max(...samples.map((sample) => sample.rssMb));
    const endMb = samples.at(-1)!.rssMb;
    const metrics = await fetch(`${service.baseUrl}/metrics`).then((response) => response.text()).catch(() => '');
    const lruBytes = Number(/^card_art_memory_cache_bytes\s+(\S+)/m.exec(metrics)?.[1] ?? NaN);
    const layerBytes = Number(/^card_art_layer_cache_bytes\s+(\S+)/m.exec(metrics)?.[1] ?? NaN);
    const gaugeMb = (name: string) => Number(new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / MB;
    // Where the RSS goes at the end: the JS heap and V8-tracked external memory; the rest is native (libvips, canvas, allocator).
    const breakdownMb = {
      heapTotal: gaugeMb('nodejs_heap_size_total_bytes'),
      heapUsed: gaugeMb('nodejs_heap_size_used_bytes'),
      external: gaugeMb('nodejs_external_memory_bytes'),
      heapSpaces: Object.fromEntries(
        [...metrics.matchAll(/^nodejs_heap_space_size_total_bytes\{space="([^"]+)"\}\s+(\S+)/gm)].map((match) => [match[1], Number(match[2]) / MB]),
      ),
    };
    const coldCounter = Math.round(load.total * COLD_SHARE);
    const details = {
      breakdownMbAtEnd: breakdownMb,
      idleMb,
      capMb: memoryCacheMb,
      layerCacheCapMb: layerCacheMb,
      layerCacheMbAtEnd: layerBytes / MB,
      soakSeconds: ctx.soakSeconds,
      coldRequestsSentApprox: coldCounter,
      requestsPerSecond: load.requestsPerSecond,
      non2xx: load.non2xx,
      errors: load.errors,
      lruMbAtEnd: lruBytes / MB,
      samples: samples.map((sample) => [Number(sample.seconds.toFixed(1)), Number(sample.rssMb.toFixed(1))]),
    };
    ctx.log(`  ${label}: idle ${idleMb.toFixed(0)} MB, ${load.requestsPerSecond.toFixed(0)} req/s, ${coldCounter} cold renders, non-2xx ${load.non2xx}, peak ${peakMb.toFixed(0)} MB, end ${endMb.toFixed(0)} MB, LRU ${(lruBytes / MB).toFixed(1)} MB, layers ${(layerBytes / MB).toFixed(1)} MB, JS heap ${breakdownMb.heapTotal.toFixed(0)} MB, external ${breakdownMb.external.toFixed(0)} MB`);
    const budgetMb = idleMb + memoryCacheMb + layerCacheMb;
    return [
      makeRow({
        measure: `6 end RSS, ${ctx.soakSeconds} s mixed, ${label} ${memoryCacheMb}+${layerCacheMb} MB vs idle + caps`,
        figure: endMb,
        floor: budgetMb,
        unit: 'MB',
        goal: { kind: 'at-most', value: RSS_ALLOWANCE },
        details: { ...details, peakMb },
      }),
      makeRow({
        measure: `6 RSS trend over 2nd half, ${label}`,
        figure: growthMb,
        unit: 'MB',
        goal: { kind: 'at-most', value: rssAtHalfMb * GROWTH_TOLERANCE, label: `<= ${(rssAtHalfMb * GROWTH_TOLERANCE).toFixed(0)} MB (5%)` },
      }),
    ];
  } finally {
    await service.stop();
  }
}

/** Slope of the least-squares line through (x, y) points. */
function leastSquaresSlope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const [x, y] of points) {
    numerator += (x - meanX) * (y - meanY);
    denominator += (x - meanX) ** 2;
  }
  return denominator === 0 ? 0 : numerator / denominator;
}
