/**
 * Writes the golden fixture assets (simulator folder format, DESIGN §4) to test/fixtures/golden-assets.
 * Run: npx node test/golden/make-golden-fixtures.ts. Output is committed; only plain shapes, no brand artwork.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, rgb } from 'pdf-lib';
import sharp from 'sharp';

export const GOLDEN_ASSET_DIR = fileURLToPath(new URL('../fixtures/golden-assets/', import.meta.url));

type Rgb = [number, number, number];

/** Solid colours the geometry checks look for. */
export const COLORS = {
  darkBackground: [20, 30, 60] as Rgb,
  issuerRed: [220, 30, 40] as Rgb,
  coBrandGreen: [30, 160, 70] as Rgb,
  brandBlue: [60, 110, 230] as Rgb,
  pdfMagenta: [200, 40, 160] as Rgb,
  translucentYellow: [255, 200, 0] as Rgb,
};
/** Opacity of the semi-transparent PDF logo. */
export const TRANSLUCENT_OPACITY = 0.5;

const hex = ([r, g, b]: Rgb) => `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;

function svgPng(width: number, height: number, body: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;
  return sharp(Buffer.from(svg)).png({ compressionLevel: 9 }).toBuffer();
}

function solidPng(width: number, height: number, color: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: color[0], g: color[1], b: color[2], alpha: 1 } } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

type PdfDraw =
  | { rect: [x: number, y: number, w: number, h: number]; color: Rgb; opacity?: number }
  | { circle: [cx: number, cy: number, r: number]; color: Rgb; opacity?: number };

/** A one-page vector PDF on an unpainted (transparent) page; fixed metadata so reruns give the same bytes. */
async function vectorPdf(widthPt: number, heightPt: number, draws: PdfDraw[]): Promise<Buffer> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const page = doc.addPage([widthPt, heightPt]);
  for (const draw of draws) {
    const color = rgb(draw.color[0] / 255, draw.color[1] / 255, draw.color[2] / 255);
    if ('rect' in draw) {
      const [x, y, width, height] = draw.rect;
      page.drawRectangle({ x, y, width, height, color, opacity: draw.opacity ?? 1 });
    } else {
      const [x, y, size] = draw.circle;
      page.drawCircle({ x, y, size, color, opacity: draw.opacity ?? 1 });
    }
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

const stripes = (width: number, height: number, colors: string[]) =>
  colors.map((color, i) => `<rect x="${(i * width) / colors.length}" y="0" width="${width / colors.length + 1}" height="${height}" fill="${color}"/>`).join('');

const ISSUER_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 120" width="240" height="120">
  <rect x="4" y="4" width="232" height="112" rx="24" fill="#f4f1e8"/>
  <circle cx="60" cy="60" r="38" fill="#d8342c"/>
  <path d="M110 30 L220 30 L220 50 L110 50 Z M110 70 L190 70 L190 90 L110 90 Z" fill="#22313f"/>
</svg>
`;

export async function makeGoldenFixtures(dir = GOLDEN_ASSET_DIR): Promise<string[]> {
  const files: Record<string, Buffer | string> = {
    // Backgrounds
    'bg-stripes.png': await svgPng(1536, 969, stripes(1536, 969, ['#0b2447', '#19376d', '#576cbc', '#a5d7e8', '#576cbc', '#19376d']) +
      '<circle cx="768" cy="484" r="120" fill="#ffffff" fill-opacity="0.25"/>'),
    'bg-dark.png': await solidPng(1536, 969, COLORS.darkBackground),
    'bg-light.png': await svgPng(1536, 969, '<rect width="1536" height="969" fill="#ebebe1"/><rect y="420" width="1536" height="120" fill="#d6cfb8"/>'),
    // 16:9: red bands at both ends lie outside the centred crop (93 px each side once covered to 969 high).
    'bg-wide-16x9.png': await svgPng(1920, 1080,
      '<rect width="1920" height="1080" fill="#285a3c"/><rect width="90" height="1080" fill="#ff0000"/><rect x="1830" width="90" height="1080" fill="#ff0000"/>' +
      '<rect x="110" width="20" height="1080" fill="#ffffff"/><rect x="1790" width="20" height="1080" fill="#ffffff"/>'),
    // 1:1 vector: four quadrants; covered to 1536x1536, rows 283..1251 survive.
    'bg-square.pdf': await vectorPdf(500, 500, [
      { rect: [0, 0, 250, 250], color: [40, 40, 120] },
      { rect: [250, 0, 250, 250], color: [120, 40, 40] },
      { rect: [0, 250, 250, 250], color: [40, 120, 40] },
      { rect: [250, 250, 250, 250], color: [90, 90, 90] },
      { circle: [250, 250, 60], color: [250, 250, 250] },
    ]),
    // Card-ratio vector background in points (324 x 204.4 ≈ 1536 x 969 / 4.74).
    'bg-vector.pdf': await vectorPdf(324, 204.4, [
      { rect: [0, 0, 324, 204.4], color: [90, 20, 70] },
      { rect: [0, 0, 324, 60], color: [140, 40, 100] },
      { circle: [290, 180, 70], color: [180, 80, 140], opacity: 0.6 },
    ]),
    'combined-card.png': await svgPng(1536, 969,
      '<rect width="1536" height="969" fill="#2e4a62"/><rect x="485" y="57" width="566" height="283" fill="#e0e0e0"/>' +
      '<circle cx="1250" cy="770" r="130" fill="#3cb4a0"/><circle cx="1340" cy="770" r="130" fill="#f0c040" fill-opacity="0.8"/>'),
    // Logos: solid ones (geometry checks) and shaped ones with transparency.
    'issuer-solid.png': await solidPng(400, 200, COLORS.issuerRed),
    'cobrand-solid.png': await solidPng(300, 100, COLORS.coBrandGreen),
    'brand-solid.png': await solidPng(200, 120, COLORS.brandBlue),
    'issuer-tiny.png': await solidPng(20, 10, COLORS.issuerRed),
    'brand-tiny.png': await solidPng(20, 20, COLORS.brandBlue),
    'issuer-huge.png': await solidPng(4000, 1000, COLORS.issuerRed),
    'brand-huge.png': await solidPng(4000, 4000, COLORS.brandBlue),
    'issuer-shape.png': await svgPng(600, 240,
      '<rect x="10" y="10" width="580" height="220" rx="40" fill="#ffffff" fill-opacity="0.9"/><circle cx="120" cy="120" r="80" fill="#c0392b"/>' +
      '<rect x="240" y="70" width="300" height="36" fill="#2c3e50"/><rect x="240" y="134" width="200" height="36" fill="#2c3e50" fill-opacity="0.6"/>'),
    'brand-circles.png': await svgPng(200, 124,
      '<circle cx="72" cy="62" r="58" fill="#2a9d8f"/><circle cx="128" cy="62" r="58" fill="#e9c46a" fill-opacity="0.85"/>'),
    'issuer-vector.pdf': await vectorPdf(300, 120, [
      { rect: [0, 20, 300, 80], color: [240, 240, 240] },
      { circle: [60, 60, 50], color: [30, 90, 200] },
      { rect: [130, 45, 150, 30], color: [20, 20, 20] },
    ]),
    'brand-vector.pdf': await vectorPdf(150, 90, [
      { circle: [55, 45, 42], color: [230, 80, 30] },
      { circle: [95, 45, 42], color: [250, 180, 20], opacity: 0.8 },
    ]),
    'issuer-solid-vector.pdf': await vectorPdf(400, 150, [{ rect: [0, 0, 400, 150], color: COLORS.pdfMagenta }]),
    'issuer-translucent.pdf': await vectorPdf(400, 200, [
      { rect: [0, 0, 400, 200], color: COLORS.translucentYellow, opacity: TRANSLUCENT_OPACITY },
    ]),
    'issuer-svg.svg': ISSUER_SVG,
  };
  // Several entries in one Get Asset body (a PDF and PNGs of two sizes, one with the misspelt MIME type).
  const multiPdf = await vectorPdf(300, 120, [
    { rect: [0, 0, 300, 120], color: [250, 250, 250] },
    { circle: [60, 60, 45], color: [120, 30, 160] },
    { rect: [130, 45, 150, 30], color: [120, 30, 160] },
  ]);
  const multiPng = (width: number) => sharp(multiPdfPreview(width)).png().toBuffer();
  files['issuer-multi.json'] = `${JSON.stringify(
    {
      mediaContents: [
        { type: 'image/png', data: (await multiPng(150)).toString('base64'), width: '150', height: '60' },
        { type: 'applicatoin/pdf', data: multiPdf.toString('base64'), width: '300', height: '120' },
        { type: 'image/png', data: (await multiPng(75)).toString('base64'), width: '75', height: '30' },
      ],
    },
    null,
    2,
  )}\n`;

  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return Object.keys(files);
}

/** A raster stand-in for the multi-entry PDF (grey, so a test would notice if it were chosen over the vector). */
function multiPdfPreview(width: number): Buffer {
  const height = (width * 120) / 300;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 300 120"><rect width="300" height="120" fill="#888888"/></svg>`,
  );
}

if (import.meta.main) {
  const written = await makeGoldenFixtures();
  console.log(`wrote ${written.length} fixtures to ${GOLDEN_ASSET_DIR}`);
}
