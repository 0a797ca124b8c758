/**
 * Row 3: one PDF brand logo through the service's rasterizer path (`createRasterizer()` with its defaults: wherever
 * PDF rasterizing runs, isolated from the serving thread) vs pdf.js called directly, same file and size.
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

export async function measurePdfRasterize(ctx: BenchContext): Promise<BenchRow> {
  const media = ctx.assets.media.brandPdf;
  const rect = computeCardLayout({ issuer: media }).issuer!;
  const size = { width: rect.width, height: rect.height };
  const rasterizer = createRasterizer();
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
    return makeRow({
      measure: `3 PDF logo rasterize ${size.width}x${size.height}, rasterizer path (ms)`,
      figure: median(projectMs),
      floor: median(floorMs),
      unit: 'ms',
      goal: { kind: 'at-most', value: 1.25 },
      details: { projectMs, floorMs, size, rendersPerRound: RENDERS_PER_ROUND },
    });
  } finally {
    await rasterizer.close();
  }
}
