/**
 * Row 9: a full cold render of a card with an SVG background and two PDF logos (layer cache off, so every render
 * rasterizes all three vectors, composes and encodes) by the project's renderer and rasterizer, vs the minimal
 * pipeline from the same bytes (librsvg via sharp, pdf.js directly, one sharp composite + PNG), interleaved.
 */
import type { AssetMedia } from '../../../src/core/asset-media.ts';
import { createCardRenderer } from '../../../src/core/card-renderer.ts';
import { createRasterizer } from '../../../src/core/rasterizer.ts';
import { ASSET_IDS, vectorCard } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median, timeInterleaved } from '../bench-stats.ts';
import { renderVectorCardMinimally } from '../floors.ts';

const RENDERS_PER_ROUND = 20;
/** Both sides to steady state: the in-process floor's pdf.js keeps getting faster for tens of renders (27 vs 48 ms after other rows had warmed it). */
const WARM_UP_RENDERS = 40;

export async function measureColdVectorCard(ctx: BenchContext): Promise<BenchRow> {
  const { media } = ctx.assets;
  const byId = new Map<string, AssetMedia>([
    [ASSET_IDS.backgroundSvg, media.backgroundSvg],
    [ASSET_IDS.issuerPdf, media.issuerPdf],
    [ASSET_IDS.brandPdf, media.brandPdf],
  ]);
  const rasterizer = createRasterizer();
  try {
    const renderer = createCardRenderer({ loadMedia: async (id) => byId.get(id)!, rasterizer, layerCacheBytes: 0 });
    const request = { productConfig: vectorCard(), width: 1536, format: 'png' as const };
    const layers = { background: media.backgroundSvg, issuer: media.issuerPdf, brand: media.brandPdf };
    for (let i = 0; i < WARM_UP_RENDERS; i++) {
      await renderer.renderCard(request);
      await renderVectorCardMinimally(layers);
    }
    const { measuredMs, floorMs } = await timeInterleaved(ctx.rounds, RENDERS_PER_ROUND, () => renderer.renderCard(request), () => renderVectorCardMinimally(layers));
    return makeRow({
      measure: '9 full cold render, SVG background + 2 PDF logos (ms)',
      figure: median(measuredMs),
      floor: median(floorMs),
      unit: 'ms',
      goal: { kind: 'at-most', value: 1.25 },
      details: { measuredMs, floorMs, rendersPerRound: RENDERS_PER_ROUND },
    });
  } finally {
    await rasterizer.close();
  }
}
