/**
 * Row 1: warm-hit throughput of GET /v1/card-art at two body sizes (~35 KB WebP, ~180 KB PNG) vs bare node:http
 * and nginx (sendfile) sending the same bytes with the same headers for the same request line, all driven by wrk
 * (1 thread, 16 connections). The generator's ceiling for a floor is what wrk could drive for that response stream
 * with a whole core: the floor's rate / wrk's CPU share during the floor's runs (load-generator.ts). The three
 * targets are run in rotating order each round.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cardArtPath, mixedCard, vectorCard } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median } from '../bench-stats.ts';
import type { NodeChild } from '../child-process.ts';
import { measureThroughput, processCpuSeconds, type ThroughputResult } from '../load-generator.ts';
import { startNginx, type NginxServer } from '../nginx-server.ts';
import { imageHeadersOf, startBareServer, startServiceChild } from '../service-child.ts';

const CONNECTIONS = 16;
const SECONDS_PER_RUN = 3;

/**
 * The two body sizes of the issue (~36 and ~160 KB): the mixed card with text as WebP at 1536 (~35 KB), and the
 * vector card with text as PNG at 1152 (~180 KB; the allowed widths give the mixed card 121 or 220 KB).
 */
const WARM_CARDS = [
  { name: 'webp', path: cardArtPath(mixedCard(), { format: 'webp', text: '•••• 4242' }), goalVsNginx: 0.6 },
  { name: 'png', path: cardArtPath(vectorCard(), { format: 'png', width: 1152, text: '•••• 4242' }), goalVsNginx: undefined },
] as const;

type Target = 'service' | 'bare' | 'nginx';

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
        const urlPath = card.path.slice(0, card.path.indexOf('?'));
        nginx = await startNginx(nginxDir, [{ urlPath, file, contentType: headers['content-type']!, etag: headers.etag! }]);
        // The same request line everywhere (the floors ignore the query), so all three parse the same bytes.
        const targets: Record<Target, { url: string; pid: number }> = {
          service: { url: `${service.baseUrl}${card.path}`, pid: service.pid },
          bare: { url: `${bare.baseUrl}${card.path}`, pid: bare.pid },
          nginx: { url: `${nginx.baseUrl}${card.path}`, pid: nginx.pid },
        };
        const run = async (target: Target, seconds: number): Promise<TargetRun> => {
          const { url, pid } = targets[target];
          const cpuBefore = await processCpuSeconds(pid);
          const result = await measureThroughput({ url, connections: CONNECTIONS, durationSeconds: seconds, scriptDir: ctx.workDir });
          const cpuSeconds = (await processCpuSeconds(pid)) - cpuBefore;
          return { ...result, cpuUsPerRequest: (cpuSeconds * 1e6) / Math.max(1, result.total) };
        };
        const order: Target[] = ['service', 'bare', 'nginx'];
        // A short unmeasured run each, so every server has warm JITs, file caches and open sockets.
        for (const target of order) await run(target, 1);
        const runs: Record<Target, TargetRun[]> = { service: [], bare: [], nginx: [] };
        for (let round = 0; round < ctx.rounds; round++) {
          // Rotate the order each round so drift in machine load falls on every target alike.
          const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
          for (const target of rotated) runs[target].push(await run(target, SECONDS_PER_RUN));
          ctx.log(
            `  ${card.name} ${Math.round(bytes.length / 1024)} KB round ${round + 1}: ` +
              order
              .map((target) => {
                const last = runs[target].at(-1)!;
                return `${target} ${last.requestsPerSecond.toFixed(0)} req/s (wrk CPU ${(last.generatorCpuShare * 100).toFixed(0)} %)`;
              })
              .join(', '),
          );
        }
        const failures = runs.service.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
        if (failures > 0) throw new Error(`${failures} warm requests failed`);
        const rps = (target: Target) => median(runs[target].map((r) => r.requestsPerSecond));
        const cpu = (target: Target) => median(runs[target].map((r) => r.cpuUsPerRequest));
        const ceiling = (target: Target) => median(runs[target].map((r) => r.generatorCeiling));
        const wrkShare = (target: Target) => median(runs[target].map((r) => r.generatorCpuShare));
        const kb = Math.round(bytes.length / 1024);
        const details = {
          bodyBytes: bytes.length,
          secondsPerRun: SECONDS_PER_RUN,
          connections: CONNECTIONS,
          cpuUsPerRequest: { service: cpu('service'), bare: cpu('bare'), nginx: cpu('nginx') },
          medianRequestsPerSecond: { service: rps('service'), bare: rps('bare'), nginx: rps('nginx') },
          medianGeneratorCpuShare: { service: wrkShare('service'), bare: wrkShare('bare'), nginx: wrkShare('nginx') },
          medianGeneratorCeiling: { service: ceiling('service'), bare: ceiling('bare'), nginx: ceiling('nginx') },
          runs,
        };
        rows.push(
          makeRow({
            measure: `1 warm hit ${kb} KB ${card.name} vs bare node:http (req/s)`,
            figure: rps('service'),
            floor: rps('bare'),
            ceiling: ceiling('bare'),
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
            ceiling: ceiling('nginx'),
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
