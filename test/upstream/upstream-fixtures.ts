import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, rgb } from 'pdf-lib';
import sharp from 'sharp';
import { SIMULATOR_PATHS, startSimulator, type RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { createHttpAssetSource } from '../../src/upstream/http-asset-source.ts';
import type { RequestSigner } from '../../src/upstream/oauth-signer.ts';

export const REQUESTORS = [
  { tokenRequestorId: '50110030273', name: 'Tailspin Pay', imageAssetId: 'logo-svg', tokenRequestorType: 'WALLET', enabledAccountRanges: ['5123456789'] },
  { tokenRequestorId: '50110030274', name: 'Adatum Shop', imageAssetId: 'logo-pdf', tokenRequestorType: 'MERCHANT', enabledAccountRanges: ['5400000000'] },
  { tokenRequestorId: '50110030275', name: 'Everywhere Wallet', imageAssetId: 'multi', tokenRequestorType: 'WALLET' },
];

/** A small asset folder in the simulator format (DESIGN §4), made fresh with sharp and pdf-lib. */
export async function makeAssetFolder(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'card-art-upstream-'));
  const png = await sharp({ create: { width: 40, height: 25, channels: 4, background: { r: 10, g: 80, b: 160, alpha: 0.5 } } })
    .png()
    .toBuffer();
  const pdf = await PDFDocument.create();
  pdf.addPage([120, 60]).drawRectangle({ x: 10, y: 10, width: 100, height: 40, color: rgb(0.8, 0.1, 0.1) });
  const pdfBytes = Buffer.from(await pdf.save());
  // Random pixels do not compress: a PNG of well over 100 KB for the size limits.
  const noise = Buffer.from(Array.from({ length: 200 * 200 * 3 }, (_, i) => (i * 7919 + ((i * i) % 251)) % 256));
  const bigPng = await sharp(noise, { raw: { width: 200, height: 200, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();

  writeFileSync(path.join(dir, 'bg-png.png'), png);
  writeFileSync(path.join(dir, 'logo-pdf.pdf'), pdfBytes);
  writeFileSync(path.join(dir, 'logo-svg.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="192" height="192"><circle cx="96" cy="96" r="90" fill="#e33"/></svg>');
  writeFileSync(path.join(dir, 'big.png'), bigPng);
  writeFileSync(
    path.join(dir, 'multi.json'),
    JSON.stringify({
      mediaContents: [
        { type: 'application/pdf', data: pdfBytes.toString('base64') },
        { type: 'image/png', data: png.toString('base64'), width: '40', height: '25' },
        { type: 'image/png', data: png.toString('base64'), width: '40', height: '25' },
      ],
    }),
  );
  writeFileSync(path.join(dir, 'token-requestors.json'), JSON.stringify({ tokenRequestors: REQUESTORS }));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const TEST_PATHS = SIMULATOR_PATHS;

/** A client against the simulator with test-sized timeouts and quick backoff. */
export function clientFor(simulator: RunningSimulator, signer: RequestSigner, extra: { timeoutMs?: number; maxResponseBytes?: number; maxAttempts?: number } = {}) {
  return createHttpAssetSource({
    baseUrl: simulator.baseUrl,
    ...TEST_PATHS,
    timeoutMs: extra.timeoutMs ?? 2000,
    signer,
    backoffBaseMs: 10,
    ...(extra.maxResponseBytes ? { maxResponseBytes: extra.maxResponseBytes } : {}),
    ...(extra.maxAttempts ? { maxAttempts: extra.maxAttempts } : {}),
  });
}

export { startSimulator };
