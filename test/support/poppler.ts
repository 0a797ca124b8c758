/**
 * A second opinion for PDF fidelity: poppler (`pdftocairo` from Debian's poppler-utils, test time only; the service
 * never runs it) drawing page 1 on a transparent page, cropped to the CropBox as pdf.js shows a page.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { PixelSize, RasterImage } from '../../src/core/asset-media.ts';

const run = promisify(execFile);
/** poppler has no operator bound of its own; a corpus page takes well under a second. */
const POPPLER_TIMEOUT_MS = 30_000;

/**
 * Page 1 at `size` (both sides asked for explicitly, so poppler's own rounding of the page size cannot differ),
 * straight RGBA. Undefined when poppler fails on the file.
 */
export async function renderWithPoppler(bytes: Buffer, size: PixelSize): Promise<RasterImage | undefined> {
  const dir = await mkdtemp(path.join(tmpdir(), 'card-art-poppler-'));
  try {
    const input = path.join(dir, 'in.pdf');
    await writeFile(input, bytes);
    const args = ['-png', '-transp', '-cropbox', '-f', '1', '-l', '1', '-singlefile'];
    args.push('-scale-to-x', String(size.width), '-scale-to-y', String(size.height), input, path.join(dir, 'out'));
    await run('pdftocairo', args, { timeout: POPPLER_TIMEOUT_MS });
    const png = await readFile(path.join(dir, 'out.png'));
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
