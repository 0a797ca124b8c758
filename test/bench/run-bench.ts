/**
 * `npm run bench`: performance as ratios against floors measured in the same run (issue #6).
 * Every figure is the median of several rounds; all traffic stays on 127.0.0.1. Results: test/bench/results.json.
 * Env: BENCH_SOAK_SECONDS (default 60), BENCH_ROUNDS (default 5), BENCH_ONLY (comma list of row numbers, e.g. "2,3"),
 * BENCH_CPU_PROF (folder: the service child runs with --cpu-prof there).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBenchAssets } from './bench-assets.ts';
import type { BenchContext } from './bench-context.ts';
import { formatTable, writeResults, type BenchRow, type BenchResults } from './bench-report.ts';
import { measureColdCoalescing } from './measures/cold-coalescing.ts';
import { measureColdCompose } from './measures/cold-compose.ts';
import { measureColdThroughput } from './measures/cold-throughput.ts';
import { measureColdVectorCard } from './measures/cold-vector-card.ts';
import { measureEncodeTimes } from './measures/encode-times.ts';
import { measureLatencyUnderLoad } from './measures/latency-under-load.ts';
import { measureMemorySoak } from './measures/memory-soak.ts';
import { measurePdfRasterize } from './measures/pdf-rasterize.ts';
import { measureWarmThroughput } from './measures/warm-throughput.ts';
import { PRODUCTION_NODE_FLAGS, PRODUCTION_SERVICE_ENV } from './service-child.ts';
import sharp from 'sharp';

const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

interface Measure {
  row: number;
  name: string;
  run(ctx: BenchContext): Promise<BenchRow | BenchRow[]>;
}

const MEASURES: Measure[] = [
  { row: 1, name: 'warm hit throughput vs bare node:http and nginx (wrk)', run: measureWarmThroughput },
  { row: 2, name: 'cold compose vs bare sharp', run: measureColdCompose },
  { row: 3, name: 'PDF rasterize (rasterizer path) vs pdf.js direct', run: measurePdfRasterize },
  { row: 4, name: 'warm p99 during cold renders vs alone', run: measureLatencyUnderLoad },
  { row: 5, name: '100 identical cold requests', run: measureColdCoalescing },
  { row: 6, name: 'RSS under mixed load', run: measureMemorySoak },
  { row: 7, name: 'encode times', run: measureEncodeTimes },
  { row: 8, name: 'saturated distinct cold renders vs one sharp call', run: measureColdThroughput },
  { row: 9, name: 'full cold render of an SVG + 2 PDF card vs the minimal pipeline', run: measureColdVectorCard },
];

function positiveIntEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

async function main(): Promise<number> {
  // As the service sets it (create-services): in-process measures and floors must not reuse libvips' operation cache.
  sharp.cache(false);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const only = process.env.BENCH_ONLY?.split(',').map((part) => Number(part.trim()));
  const workDir = await mkdtemp(path.join(tmpdir(), 'card-art-bench-'));
  const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);
  const cpuProfDir = process.env.BENCH_CPU_PROF;
  const ctx: BenchContext = {
    assets: await createBenchAssets(path.join(workDir, 'assets')),
    workDir,
    rounds: positiveIntEnv('BENCH_ROUNDS', 5),
    soakSeconds: positiveIntEnv('BENCH_SOAK_SECONDS', 60),
    serviceExecArgv: cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : [],
    serviceEnv: JSON.parse(process.env.BENCH_SERVICE_ENV || '{}') as Record<string, string>,
    log,
  };
  const rows: BenchRow[] = [];
  const skipped: BenchResults['skipped'] = [];
  try {
    for (const measure of MEASURES) {
      if (only && !only.includes(measure.row)) continue;
      log(`row ${measure.row}: ${measure.name}`);
      try {
        const result = await measure.run(ctx);
        rows.push(...(Array.isArray(result) ? result : [result]));
      } catch (error) {
        log(`row ${measure.row} failed: ${(error as Error).stack ?? String(error)}`);
        skipped.push({ measure: `${measure.row} ${measure.name}`, reason: (error as Error).message });
      }
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  const results: BenchResults = {
    startedAt,
    durationSeconds: Math.round((performance.now() - started) / 1000),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform },
    settings: { rounds: ctx.rounds, soakSeconds: ctx.soakSeconds, serviceEnv: PRODUCTION_SERVICE_ENV, serviceNodeFlags: PRODUCTION_NODE_FLAGS },
    rows,
    skipped,
  };
  await writeResults(RESULTS_FILE, results);
  process.stdout.write(`\n${formatTable(rows)}\n`);
  const serviceEnv = Object.entries(PRODUCTION_SERVICE_ENV).map(([name, value]) => `${name}=${value}`).join(' ');
  process.stdout.write(
    `service child processes (rows 1, 4, 5, 6) ran as \`${serviceEnv} node ${PRODUCTION_NODE_FLAGS.join(' ')} src/server.ts\`, the production setting (npm start, Dockerfile)\n`,
  );
  for (const failure of skipped) process.stdout.write(`NOT MEASURED  ${failure.measure}: ${failure.reason}\n`);
  const judged = rows.filter((row) => row.goal.kind !== 'none');
  process.stdout.write(`\n${judged.filter((row) => row.pass).length}/${judged.length} goals met in ${results.durationSeconds} s; details in ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
  return skipped.length > 0 ? 1 : 0;
}

process.exitCode = await main();
