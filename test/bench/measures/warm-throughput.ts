/**
 * Row 1: warm-hit throughput of GET /v1/card-art at two body sizes (~36 KB WebP, ~160 KB PNG) vs bare node:http
 * and nginx (sendfile) sending the same bytes with the same headers, all driven by wrk (1 thread, 16 connections).
 * Ceilings: wrk against nginx with the same bytes (for the node:http floor) and against nginx's empty 204 (for the
 * nginx floor: the most requests wrk can drive here). The four targets are run in rotating order each round.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cardArtPath, mixedCard } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median } from '../bench-stats.ts';
import type { NodeChild } from '../child-process.ts';
import { measureThroughput, processCpuSeconds, type ThroughputResult } from '../load-generator.ts';
import { startNginx, type NginxServer } from '../nginx-server.ts';
import { imageHeadersOf, startBareServer, startServiceChild } from '../service-child.ts';

const CONNECTIONS = 16;
const SECONDS_PER_RUN = 3;

/** The two body sizes of the issue: the card with text as WebP at 1536 (~35 KB) and as PNG at 768 (~120 KB; at 1152 it is ~220 KB). */
const WARM_CARDS = [
  { name: 'webp', path: cardArtPath(mixedCard(), { format: 'webp', text: '•••• 4242' }), goalVsNginx: 0.6 },
  { name: 'png', path: cardArtPath(mixedCard(), { format: 'png', width: 768, text: '•••• 4242' }), goalVsNginx: undefined },
] as const;

type Target = 'service' | 'bare' | 'nginx' | 'empty';

interface TargetRun extends ThroughputResult {
  cpuUsPerRequest: number;
}

export async function measureWarmThroughput(ctx: BenchContext): Promise<BenchRow[]> {
  const service = await startServiceChild(ctx, { name: 'warm' });
  const rows: BenchRow[] = [];
  try {
    for (const card of WARM_CARDS) {
      const first = await fetch(`${service.baseUrl}${card.path}`);
      if (!first.ok) throw new Error(`warm-up request failed: ${first.status} ${await first.text()}`);
      const bytes = Buffer.from(await first.arrayBuffer());
      const headers = imageHeadersOf(first);
      const file = path.join(ctx.workDir, `warm-card-${card.name}`);
      await writeFile(file, bytes);
      const nginxDir = path.join(ctx.workDir, `nginx-${card.name}`);
      await mkdir(nginxDir, { recursive: true });
      let bare: NodeChild | undefined;
      let nginx: NginxServer | undefined;
      try {
        bare = await startBareServer(ctx, file, headers);
        nginx = await startNginx(nginxDir, [{ urlPath: '/card', file, contentType: headers['content-type']!, etag: headers.etag! }]);
        const targets: Record<Target, { url: string; pid: number }> = {
          service: { url: `${service.baseUrl}${card.path}`, pid: service.pid },
          bare: { url: `${bare.baseUrl}/`, pid: bare.pid },
          nginx: { url: `${nginx.baseUrl}/card`, pid: nginx.pid },
          empty: { url: `${nginx.baseUrl}${nginx.emptyPath}`, pid: nginx.pid },
        };
        const run = async (target: Target, seconds: number): Promise<TargetRun> => {
          const { url, pid } = targets[target];
          const cpuBefore = await processCpuSeconds(pid);
          const result = await measureThroughput({ url, connections: CONNECTIONS, durationSeconds: seconds, scriptDir: ctx.workDir });
          const cpuSeconds = (await processCpuSeconds(pid)) - cpuBefore;
          return { ...result, cpuUsPerRequest: (cpuSeconds * 1e6) / Math.max(1, result.total) };
        };
        const order: Target[] = ['service', 'bare', 'nginx', 'empty'];
        // A short unmeasured run each, so every server has warm JITs, file caches and open sockets.
        for (const target of order) await run(target, 1);
        const runs: Record<Target, TargetRun[]> = { service: [], bare: [], nginx: [], empty: [] };
        for (let round = 0; round < ctx.rounds; round++) {
          // Rotate the order each round so drift in machine load falls on every target alike.
          const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
          for (const target of rotated) runs[target].push(await run(target, SECONDS_PER_RUN));
          ctx.log(
            `  ${card.name} ${Math.round(bytes.length / 1024)} KB round ${round + 1}: ` +
              order.map((target) => `${target} ${runs[target].at(-1)!.requestsPerSecond.toFixed(0)} req/s`).join(', '),
          );
        }
        const failures = runs.service.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
        if (failures > 0) throw new Error(`${failures} warm requests failed`);
        const rps = (target: Target) => median(runs[target].map((r) => r.requestsPerSecond));
        const cpu = (target: Target) => median(runs[target].map((r) => r.cpuUsPerRequest));
        const kb = Math.round(bytes.length / 1024);
        const details = {
          bodyBytes: bytes.length,
          secondsPerRun: SECONDS_PER_RUN,
          connections: CONNECTIONS,
          cpuUsPerRequest: { service: cpu('service'), bare: cpu('bare'), nginx: cpu('nginx') },
          medianRequestsPerSecond: { service: rps('service'), bare: rps('bare'), nginx: rps('nginx'), nginxEmpty204: rps('empty') },
          runs,
        };
        rows.push(
          makeRow({
            measure: `1 warm hit ${kb} KB ${card.name} vs bare node:http (req/s)`,
            figure: rps('service'),
            floor: rps('bare'),
            ceiling: rps('nginx'),
            unit: 'req/s',
            goal: { kind: 'at-least', value: 0.8 },
            details,
          }),
        );
        rows.push(
          makeRow({
            measure: `1 warm hit ${kb} KB ${card.name} vs nginx sendfile (req/s)`,
            figure: rps('service'),
            floor: rps('nginx'),
            ceiling: rps('empty'),
            unit: 'req/s',
            goal: card.goalVsNginx === undefined ? { kind: 'none', value: 0 } : { kind: 'at-least', value: card.goalVsNginx },
          }),
        );
        rows.push(
          makeRow({
            measure: `1 warm hit ${kb} KB ${card.name}: CPU per hit vs bare (µs)`,
            figure: cpu('service'),
            floor: cpu('bare'),
            unit: 'µs',
            goal: { kind: 'none', value: 0 },
          }),
        );
      } finally {
        await bare?.stop();
        await nginx?.stop();
      }
    }
  } finally {
    await service.stop();
  }
  return rows;
}
