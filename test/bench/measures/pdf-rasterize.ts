/** Row 3: the project's rasterizer (PDF worker pool) vs pdf.js called directly, same file and size. */
import { computeCardLayout } from '../../../src/core/layout.ts';
import { createRasterizer } from '../../../src/core/rasterizer.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median, timeInterleaved } from '../bench-stats.ts';
import { rasterizePdfDirectly } from '../floors.ts';

const RENDERS_PER_ROUND = 10;

export async function measurePdfRasterize(ctx: BenchContext): Promise<BenchRow> {
  const media = ctx.assets.media.brandPdf;
  const rect = computeCardLayout({ issuer: media }).issuer!;
  const size = { width: rect.width, height: rect.height };
  const rasterizer = createRasterizer();
  try {
    // Warm-up: spawns and warms both workers (pdf.js loaded) and the floor's pdf.js.
    await Promise.all([1, 2, 3, 4].map(() => rasterizer.rasterize(media, size)));
    await rasterizePdfDirectly(media.bytes, size);
    const { measuredMs: projectMs, floorMs } = await timeInterleaved(
      ctx.rounds,
      RENDERS_PER_ROUND,
      () => rasterizer.rasterize(media, size),
      () => rasterizePdfDirectly(media.bytes, size),
    );
    return makeRow({
      measure: `3 PDF logo rasterize ${size.width}x${size.height} (ms)`,
      figure: median(projectMs),
      floor: median(floorMs),
      unit: 'ms',
      goal: { kind: 'at-most', value: 1.1 },
      details: { projectMs, floorMs, size, rendersPerRound: RENDERS_PER_ROUND },
    });
  } finally {
    await rasterizer.close();
  }
}
