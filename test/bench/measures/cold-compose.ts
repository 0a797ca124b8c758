/** Row 2: a cold card render with every component already loaded (only the render runs) vs bare sharp. */
import type { AssetMedia } from '../../../src/core/asset-media.ts';
import type { CardArtRequest } from '../../../src/core/card-render-types.ts';
import { createCardRenderer } from '../../../src/core/card-renderer.ts';
import { createRasterizer } from '../../../src/core/rasterizer.ts';
import { ASSET_IDS, pngCard } from '../bench-assets.ts';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median, timeInterleaved } from '../bench-stats.ts';
import { prepareComposeFloor } from '../floors.ts';

const RENDERS_PER_ROUND = 6;

export async function measureColdCompose(ctx: BenchContext): Promise<BenchRow> {
  const { media } = ctx.assets;
  const byId = new Map<string, AssetMedia>([
    [ASSET_IDS.background, media.background],
    [ASSET_IDS.issuer, media.issuer],
    [ASSET_IDS.brandPng, media.brandPng],
  ]);
  const rasterizer = createRasterizer();
  try {
    const renderer = createCardRenderer({
      loadMedia: async (assetId) => {
        const found = byId.get(assetId);
        if (!found) throw new Error(`bench has no asset ${assetId}`);
        return found;
      },
      rasterizer,
    });
    const floor = await prepareComposeFloor({ background: media.background, issuer: media.issuer, brand: media.brandPng });
    const request: CardArtRequest = { productConfig: pngCard(), width: 1536, format: 'png' };

    const rendered = await renderer.renderCard(request);
    const floorBytes = await floor.run();
    const { measuredMs: renderMs, floorMs } = await timeInterleaved(ctx.rounds, RENDERS_PER_ROUND, () => renderer.renderCard(request), () => floor.run());
    return makeRow({
      measure: '2 cold compose, assets cached (ms/card)',
      figure: median(renderMs),
      floor: median(floorMs),
      unit: 'ms',
      goal: { kind: 'at-most', value: 1.3 },
      details: { renderMs, floorMs, rendersPerRound: RENDERS_PER_ROUND, renderedBytes: rendered.bytes.length, floorBytes: floorBytes.length },
    });
  } finally {
    await rasterizer.close();
  }
}
