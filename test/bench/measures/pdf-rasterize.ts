/**
 * Row 3: the project's PDF rasterization vs pdf.js called directly, same file and size. Two rows: the
 * service's path (worker pool, off the main thread) and the same code in-process, so the thread hand-off
 * is visible apart from the rasterization itself.
 */
import { computeCardLayout } from '../../../src/core/layout.ts';
import { createRasterizer } from '../../../src/core/rasterizer.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median, timeInterleaved } from '../bench-stats.ts';
import { rasterizePdfDirectly } from '../floors.ts';

const RENDERS_PER_ROUND = 40;
/** Both sides' pdf.js reach a steady JIT state only after a few dozen calls. */
const WARM_UP_RENDERS = 30;

export async function measurePdfRasterize(ctx: BenchContext): Promise<BenchRow[]> {
  const media = ctx.assets.media.brandPdf;
  const rect = computeCardLayout({ issuer: media }).issuer!;
  const size = { width: rect.width, height: rect.height };
  const rows: BenchRow[] = [];
  for (const [label, pdfWorkers] of [['worker pool', 1], ['in-process', 0]] as const) {
    const rasterizer = createRasterizer({ pdfWorkers });
    try {
      for (let i = 0; i < WARM_UP_RENDERS; i++) {
        await rasterizer.rasterize(media, size);
        await rasterizePdfDirectly(media.bytes, size);
      }
      const { measuredMs: projectMs, floorMs } = await timeInterleaved(
        ctx.rounds,
        RENDERS_PER_ROUND,
        () => rasterizer.rasterize(media, size),
        () => rasterizePdfDirectly(media.bytes, size),
      );
      rows.push(
        makeRow({
          measure: `3 PDF logo rasterize ${size.width}x${size.height}, ${label} (ms)`,
          figure: median(projectMs),
          floor: median(floorMs),
          unit: 'ms',
          goal: { kind: 'at-most', value: 1.1 },
          details: { projectMs, floorMs, size, rendersPerRound: RENDERS_PER_ROUND, pdfWorkers },
        }),
      );
    } finally {
      await rasterizer.close();
    }
  }
  return rows;
}
