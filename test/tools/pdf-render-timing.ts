/**
 * How long a PDF logo takes through the rasterizer process, this tree against a baseline tree, interleaved in the
 * same run (medians of many renders, so load on the machine falls on both alike). A build-time tool, not a test.
 *
 *   node test/tools/pdf-render-timing.ts [BASELINE_DIR] [--rounds N] [--only NAME_PART]
 *
 * BASELINE_DIR holds another checkout's `src/` and a `node_modules` (for example
 * `git archive <rev> src | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/`); without it only this tree
 * is timed. Each logo is timed twice: drawn again from the parsed document the rasterizer keeps open (what bench
 * row 3 measures), and opened and drawn from bytes it has not seen (a cold asset).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { AssetMedia, PixelSize } from '../../src/core/asset-media.ts';
import { computeCardLayout } from '../../src/core/layout.ts';
import { createRasterizer, type ServiceRasterizer } from '../../src/core/rasterizer.ts';
import { createBenchAssets } from '../bench/bench-assets.ts';
import { median, timeInterleaved, timeMs } from '../bench/bench-stats.ts';
import { cmykImageLogoPdf, cmykVectorLogoPdf, iccAdobeRgbPdf, luminositySoftMaskFadePdf } from '../support/fidelity-pdfs.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '9' }, only: { type: 'string' } },
  allowPositionals: true,
});
const ROUNDS = Number(values.rounds);
const WARM_CALLS = 30;
const COLD_CALLS = 8;
const WARM_UP = 10;
const IDLE_BEFORE_FIRST_RENDER_MS = 5000;

const dir = await mkdtemp(path.join(tmpdir(), 'card-art-pdf-timing-'));
const bench = await createBenchAssets(dir);
const pdf = (bytes: Buffer, width: number, height: number): AssetMedia => ({ kind: 'pdf', bytes, width, height });
const logos: Array<{ name: string; media: AssetMedia }> = [
  { name: 'bench brand logo (row 3)', media: bench.media.brandPdf },
  { name: 'bench issuer logo (row 9)', media: bench.media.issuerPdf },
  { name: '150 CMYK fills', media: pdf(cmykVectorLogoPdf(), 300, 186) },
  { name: 'CMYK image 900x558', media: pdf(cmykImageLogoPdf(), 300, 186) },
  { name: 'luminosity soft mask', media: pdf(luminositySoftMaskFadePdf(), 100, 50) },
  { name: 'ICCBased Adobe RGB', media: pdf(iccAdobeRgbPdf(), 100, 50) },
];

const current = createRasterizer({ processes: 1 });
const baselineDir = positionals[0];
const baselineCreate: typeof createRasterizer | undefined = baselineDir
  ? (await import(pathToFileURL(path.resolve(baselineDir, 'src/core/rasterizer.ts')).href)).createRasterizer
  : undefined;
// One rasterizer process on either side (trees before the process pool call the option pdfWorkers).
const ONE_PROCESS = { processes: 1, pdfWorkers: 1 } as Parameters<typeof createRasterizer>[0];
const baseline = baselineCreate?.(ONE_PROCESS);

let unique = 0;
/** The same document with a comment after %%EOF: other bytes (the rasterizer parses them anew), the same page. */
const fresh = (media: AssetMedia): AssetMedia => ({ ...media, bytes: Buffer.concat([media.bytes, Buffer.from(`\n%${unique++}\n`)]) });

const rows: string[] = [];
try {
  for (const { name, media } of logos.filter((logo) => !values.only || logo.name.includes(values.only!))) {
    const rect = computeCardLayout({ brand: media }).brand!;
    const size: PixelSize = { width: rect.width, height: rect.height };
    const draw = (rasterizer: ServiceRasterizer, m: AssetMedia) => () => rasterizer.rasterize(m, size);
    for (let i = 0; i < WARM_UP; i++) {
      await current.rasterize(media, size);
      await baseline?.rasterize(media, size);
    }
    const other = baseline ?? current;
    const warm = await timeInterleaved(ROUNDS, WARM_CALLS, draw(current, media), draw(other, media));
    const cold = await timeInterleaved(ROUNDS, COLD_CALLS, () => current.rasterize(fresh(media), size), () => other.rasterize(fresh(media), size));
    const figure = (ms: number[]) => median(ms).toFixed(2).padStart(7);
    rows.push(
      `${name.padEnd(28)} ${`${size.width}x${size.height}`.padEnd(8)} open ${figure(warm.measuredMs)} ms` +
        (baseline ? ` (baseline ${figure(warm.floorMs)})` : '') +
        `   cold ${figure(cold.measuredMs)} ms` +
        (baseline ? ` (baseline ${figure(cold.floorMs)})` : ''),
    );
    console.log(rows.at(-1));
  }
  // The first CMYK render of a process started ahead of work, as the service starts them (pdf.js, qcms and the
  // CMYK profile's transform are loaded once per process: at the first render, or before it while idle).
  const firstRender = async (create: typeof createRasterizer) => {
    const rasterizer = create({ ...ONE_PROCESS, warm: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, IDLE_BEFORE_FIRST_RENDER_MS));
      return await timeMs(() => rasterizer.rasterize(pdf(cmykVectorLogoPdf(), 300, 186), { width: 300, height: 186 }));
    } finally {
      await rasterizer.close();
    }
  };
  const firsts: Array<[number, number]> = [];
  for (let i = 0; i < 3; i++) firsts.push([await firstRender(createRasterizer), baselineCreate ? await firstRender(baselineCreate) : 0]);
  console.log(
    `first CMYK render of a process started ${IDLE_BEFORE_FIRST_RENDER_MS / 1000} s before: ${median(firsts.map(([a]) => a)).toFixed(0)} ms` +
      (baselineCreate ? ` (baseline ${median(firsts.map(([, b]) => b)).toFixed(0)} ms)` : ''),
  );
} finally {
  await Promise.all([current.close(), baseline?.close()]);
  await rm(dir, { recursive: true, force: true });
}
console.log(`medians of ${ROUNDS} rounds (${WARM_CALLS} renders per round from the open document, ${COLD_CALLS} from new bytes)`);
