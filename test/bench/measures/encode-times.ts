/** Row 7: encode time of the project's encoder for PNG, WebP, AVIF at 1536 and 384 wide vs one bare sharp call. */
import type { OutputFormat, RasterImage } from '../../../src/core/asset-media.ts';
import { CARD_HEIGHT, CARD_WIDTH } from '../../../src/core/card-render-types.ts';
import { encodeImage } from '../../../src/core/encode-image.ts';
import sharp from 'sharp';
import type { BenchContext } from '../bench-context.ts';
import { makeRow, type BenchRow } from '../bench-report.ts';
import { median, timeInterleaved } from '../bench-stats.ts';
import { encodeDirectly, prepareComposeFloor } from '../floors.ts';

const CASES: ReadonlyArray<{ format: OutputFormat; width: number; callsPerRound: number }> = [
  { format: 'png', width: 1536, callsPerRound: 4 },
  { format: 'webp', width: 1536, callsPerRound: 2 },
  { format: 'avif', width: 1536, callsPerRound: 2 },
  { format: 'png', width: 384, callsPerRound: 6 },
  { format: 'webp', width: 384, callsPerRound: 6 },
  { format: 'avif', width: 384, callsPerRound: 4 },
];

export async function measureEncodeTimes(ctx: BenchContext): Promise<BenchRow[]> {
  const card = await composedCard(ctx);
  const rows: BenchRow[] = [];
  for (const { format, width, callsPerRound } of CASES) {
    const encoded = await encodeImage(card, format, width);
    await encodeDirectly(card, format, width);
    const { measuredMs: projectMs, floorMs } = await timeInterleaved(
      ctx.rounds,
      callsPerRound,
      () => encodeImage(card, format, width),
      () => encodeDirectly(card, format, width),
    );
    rows.push(
      makeRow({
        measure: `7 encode ${format} ${encoded.width}x${encoded.height} (ms)`,
        figure: median(projectMs),
        floor: median(floorMs),
        unit: 'ms',
        goal: { kind: 'at-most', value: 1.1 },
        details: { projectMs, floorMs, bytes: encoded.bytes.length, callsPerRound },
      }),
    );
  }
  return rows;
}

/** The bench card composed once, as the raw RGBA every encoder starts from. */
async function composedCard(ctx: BenchContext): Promise<RasterImage> {
  const { media } = ctx.assets;
  const floor = await prepareComposeFloor({ background: media.background, issuer: media.issuer, brand: media.brandPng });
  const data = await sharp(await floor.run()).ensureAlpha().raw().toBuffer();
  return { data, width: CARD_WIDTH, height: CARD_HEIGHT };
}
