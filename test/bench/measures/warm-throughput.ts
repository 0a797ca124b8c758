/** Row 1: warm-hit throughput of GET /v1/card-art vs a bare node:http server sending the same bytes (16 connections). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cardArtPath, mixedCard } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median } from '../bench-stats.ts';
import { measureThroughput, type ThroughputResult } from '../load-generator.ts';
import { startBareServer, startServiceChild } from '../service-child.ts';

const CONNECTIONS = 16;
const SECONDS_PER_RUN = 4;

export async function measureWarmThroughput(ctx: BenchContext): Promise<BenchRow> {
  const service = await startServiceChild(ctx, { name: 'warm' });
  try {
    const warmPath = cardArtPath(mixedCard(), { format: 'png' });
    const first = await fetch(`${service.baseUrl}${warmPath}`);
    if (!first.ok) throw new Error(`warm-up request failed: ${first.status} ${await first.text()}`);
    const bytes = Buffer.from(await first.arrayBuffer());
    const file = path.join(ctx.workDir, 'warm-card.png');
    await writeFile(file, bytes);
    const bare = await startBareServer(ctx, file, first.headers.get('content-type') ?? 'image/png');
    try {
      const serviceRuns: ThroughputResult[] = [];
      const bareRuns: ThroughputResult[] = [];
      // A short unmeasured run each, so both have warmed JITs and open sockets.
      await measureThroughput({ url: `${service.baseUrl}${warmPath}`, connections: CONNECTIONS, durationSeconds: 1 });
      await measureThroughput({ url: `${bare.baseUrl}/`, connections: CONNECTIONS, durationSeconds: 1 });
      for (let round = 0; round < ctx.rounds; round++) {
        const serviceFirst = round % 2 === 0;
        const runService = () => measureThroughput({ url: `${service.baseUrl}${warmPath}`, connections: CONNECTIONS, durationSeconds: SECONDS_PER_RUN });
        const runBare = () => measureThroughput({ url: `${bare.baseUrl}/`, connections: CONNECTIONS, durationSeconds: SECONDS_PER_RUN });
        if (serviceFirst) {
          serviceRuns.push(await runService());
          bareRuns.push(await runBare());
        } else {
          bareRuns.push(await runBare());
          serviceRuns.push(await runService());
        }
        ctx.log(`  round ${round + 1}: service ${serviceRuns.at(-1)!.requestsPerSecond.toFixed(0)} req/s, bare ${bareRuns.at(-1)!.requestsPerSecond.toFixed(0)} req/s`);
      }
      const failures = serviceRuns.reduce((sum, run) => sum + run.non2xx + run.errors, 0);
      if (failures > 0) throw new Error(`${failures} warm requests failed`);
      return makeRow({
        measure: `1 warm hit throughput, ${Math.round(bytes.length / 1024)} KB PNG, ${CONNECTIONS} conn (req/s)`,
        figure: median(serviceRuns.map((run) => run.requestsPerSecond)),
        floor: median(bareRuns.map((run) => run.requestsPerSecond)),
        unit: 'req/s',
        goal: { kind: 'at-least', value: 0.85 },
        details: { serviceRuns, bareRuns, bodyBytes: bytes.length, secondsPerRun: SECONDS_PER_RUN },
      });
    } finally {
      await bare.stop();
    }
  } finally {
    await service.stop();
  }
}
