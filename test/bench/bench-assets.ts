/**
 * The benchmark's own asset folder in the simulator format (DESIGN §4), generated on every run (no downloaded or
 * brand artwork): a ~100 KB-when-rendered background, a PNG issuer logo with soft alpha, PNG and PDF brand logos.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument, rgb } from 'pdf-lib';
import sharp from 'sharp';
import type { AssetMedia, ProductConfig } from '../../src/core/asset-media.ts';

export const ASSET_IDS = {
  background: 'bench-background',
  issuer: 'bench-issuer-logo',
  brandPng: 'bench-brand-logo-png',
  brandPdf: 'bench-brand-logo-pdf',
  issuerPdf: 'bench-issuer-logo-pdf',
  backgroundSvg: 'bench-background-svg',
} as const;

type AssetRole = keyof typeof ASSET_IDS;

const FILE_EXTENSION: Record<AssetRole, 'png' | 'pdf' | 'svg'> = {
  background: 'png',
  issuer: 'png',
  brandPng: 'png',
  brandPdf: 'pdf',
  issuerPdf: 'pdf',
  backgroundSvg: 'svg',
};

export interface BenchAssets {
  dir: string;
  /** Each asset as the service's decoder would hand it over (what a warm component cache holds). */
  media: Record<AssetRole, AssetMedia>;
}

/** Background 1600×1010 (so the renderer must cover-resize it), vertical gradient and a few soft rings. */
function backgroundSvg(): string {
  const width = 1600;
  const height = 1010;
  // Fine diagonal hatching gives the encoders real detail, so the rendered card is ~160 KB as PNG and ~36 KB as WebP.
  const hatching = Array.from({ length: 40 }, (_, i) => `<path d="M${i * 60 - 600} 0 L${i * 60 + 400} ${height}" stroke="#ffffff" stroke-opacity="${(0.03 + (i % 5) * 0.012).toFixed(3)}" stroke-width="${2 + (i % 3)}"/>`);
  const rings = Array.from({ length: 6 }, (_, i) => {
    const cx = 200 + i * 200;
    const cy = Math.round(500 + Math.sin(i) * 300);
    return `<circle cx="${cx}" cy="${cy}" r="${80 + i * 20}" fill="none" stroke="#ffffff" stroke-opacity="0.12" stroke-width="${6 + i * 2}"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#0b3d6e"/><stop offset="1" stop-color="#1d6a8a"/></linearGradient></defs>
<rect width="${width}" height="${height}" fill="url(#g)"/>${hatching.join('')}${rings.join('')}</svg>`;
}

/** A wide wordmark-like issuer logo, 900×300, anti-aliased edges and a half-transparent swoosh. */
function issuerSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="300">
<rect x="10" y="40" width="220" height="220" rx="48" fill="#f4c542"/>
<circle cx="120" cy="150" r="70" fill="#0b3d6e" fill-opacity="0.85"/>
<rect x="270" y="80" width="600" height="56" rx="12" fill="#ffffff"/>
<rect x="270" y="170" width="420" height="40" rx="10" fill="#ffffff" fill-opacity="0.7"/>
<path d="M260 280 Q 580 200 890 270" stroke="#f4c542" stroke-width="14" fill="none" stroke-opacity="0.5"/></svg>`;
}

/** A generic two-shape mark (not any real brand), 300×186. */
function brandSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="186">
<rect x="10" y="10" width="166" height="166" rx="30" fill="#2a9d8f"/>
<rect x="124" y="10" width="166" height="166" rx="30" fill="#e9c46a" fill-opacity="0.8"/></svg>`;
}

/** The same generic mark as a vector PDF (page 300×186 pt, transparent page) with curves and opacity. */
async function brandPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([300, 186]);
  page.drawEllipse({ x: 93, y: 93, xScale: 83, yScale: 83, color: rgb(0.16, 0.62, 0.56) });
  page.drawEllipse({ x: 207, y: 93, xScale: 83, yScale: 83, color: rgb(0.91, 0.77, 0.42), opacity: 0.8 });
  page.drawSvgPath('M 40 120 C 100 20, 200 20, 260 120', { borderColor: rgb(1, 1, 1), borderWidth: 6, borderOpacity: 0.6 });
  for (let i = 0; i < 12; i++) {
    page.drawRectangle({ x: 20 + i * 22, y: 8, width: 14, height: 14, color: rgb(0.1, 0.1 + i * 0.06, 0.4), opacity: 0.7 });
  }
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A wide vector issuer logo (page 900×300 pt, transparent): text-free shapes, a gradient-like stack and opacity. */
async function issuerPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([900, 300]);
  page.drawRectangle({ x: 10, y: 40, width: 220, height: 220, color: rgb(0.96, 0.77, 0.26) });
  page.drawEllipse({ x: 120, y: 150, xScale: 70, yScale: 70, color: rgb(0.04, 0.24, 0.43), opacity: 0.85 });
  page.drawRectangle({ x: 270, y: 164, width: 600, height: 56, color: rgb(1, 1, 1) });
  page.drawRectangle({ x: 270, y: 90, width: 420, height: 40, color: rgb(1, 1, 1), opacity: 0.7 });
  page.drawSvgPath('M 260 20 Q 580 100 890 30', { borderColor: rgb(0.96, 0.77, 0.26), borderWidth: 14, borderOpacity: 0.5 });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

async function pngMedia(svg: string): Promise<AssetMedia> {
  const bytes = await sharp(Buffer.from(svg)).png().toBuffer();
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  return { kind: 'png', bytes, width, height };
}

/** Writes the bench assets into `dir` and returns them decoded. */
export async function createBenchAssets(dir: string): Promise<BenchAssets> {
  await mkdir(dir, { recursive: true });
  const pdfBytes = await brandPdf();
  const media: Record<AssetRole, AssetMedia> = {
    background: await pngMedia(backgroundSvg()),
    issuer: await pngMedia(issuerSvg()),
    brandPng: await pngMedia(brandSvg()),
    brandPdf: { kind: 'pdf', bytes: pdfBytes, width: 300, height: 186 },
    issuerPdf: { kind: 'pdf', bytes: await issuerPdf(), width: 900, height: 300 },
    backgroundSvg: { kind: 'svg', bytes: Buffer.from(backgroundSvg()), width: 1600, height: 1010 },
  };
  for (const role of Object.keys(ASSET_IDS) as AssetRole[]) {
    await writeFile(assetFile(dir, ASSET_IDS[role], role), media[role].bytes);
  }
  return { dir, media };
}

function assetFile(dir: string, assetId: string, role: AssetRole): string {
  return path.join(dir, `${assetId}.${FILE_EXTENSION[role]}`);
}

/** A product config whose asset IDs nobody has fetched yet: copies of the bench assets under `suffix`ed IDs. */
export async function createColdCopies(dir: string, suffix: string): Promise<ProductConfig> {
  const roles: AssetRole[] = ['background', 'issuer', 'brandPdf'];
  for (const role of roles) {
    await copyFile(assetFile(dir, ASSET_IDS[role], role), assetFile(dir, `${ASSET_IDS[role]}-${suffix}`, role));
  }
  return mixedCard(`-${suffix}`);
}

/** Background, PNG issuer logo, PDF brand logo: the typical MDES mix. */
export function mixedCard(idSuffix = ''): ProductConfig {
  return {
    cardBackgroundAssetId: ASSET_IDS.background + idSuffix,
    issuerLogoAssetId: ASSET_IDS.issuer + idSuffix,
    brandLogoAssetId: ASSET_IDS.brandPdf + idSuffix,
    foregroundColor: 'ffffff',
  };
}

/** An SVG background with a PDF issuer logo and a PDF brand logo: the slowest common mix, every layer a vector. */
export function vectorCard(): ProductConfig {
  return {
    cardBackgroundAssetId: ASSET_IDS.backgroundSvg,
    issuerLogoAssetId: ASSET_IDS.issuerPdf,
    brandLogoAssetId: ASSET_IDS.brandPdf,
    foregroundColor: 'ffffff',
  };
}

/** All layers PNG, so a bare sharp pipeline can do the same work (the compose floor). */
export function pngCard(): ProductConfig {
  return {
    cardBackgroundAssetId: ASSET_IDS.background,
    issuerLogoAssetId: ASSET_IDS.issuer,
    brandLogoAssetId: ASSET_IDS.brandPng,
    foregroundColor: 'ffffff',
  };
}

/** The query string of GET /v1/card-art for a product config plus optional text, width and format. */
export function cardArtPath(config: ProductConfig, extra: { text?: string; width?: number; format?: string } = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(config)) if (value !== undefined) query.set(name, String(value));
  if (extra.text !== undefined) query.set('text', extra.text);
  if (extra.width !== undefined) query.set('width', String(extra.width));
  if (extra.format !== undefined) query.set('format', extra.format);
  return `/v1/card-art?${query.toString()}`;
}
