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
/**
 * poppler has no bound of its own: a corpus page takes well under a second, but one of them (an operator cycle)
 * makes it recurse for ~50 s while its memory grows past 400 MB. Past 5 s or 1 GB of address space it gives no answer.
 */
const POPPLER_TIMEOUT_MS = 5000;
const POPPLER_ADDRESS_SPACE_BYTES = 1024 * 1024 * 1024;

/**
 * Page 1 at `size` (both sides asked for explicitly, so poppler's own rounding of the page size cannot differ),
 * straight RGBA. Undefined when poppler fails on the file or runs past its bounds.
 */
export async function renderWithPoppler(bytes: Buffer, size: PixelSize): Promise<RasterImage | undefined> {
  const dir = await mkdtemp(path.join(tmpdir(), 'card-art-poppler-'));
  try {
    const input = path.join(dir, 'in.pdf');
    await writeFile(input, bytes);
    const args = ['-png', '-transp', '-cropbox', '-f', '1', '-l', '1', '-singlefile'];
    args.push('-scale-to-x', String(size.width), '-scale-to-y', String(size.height), input, path.join(dir, 'out'));
    await run('prlimit', [`--as=${POPPLER_ADDRESS_SPACE_BYTES}`, '--', 'pdftocairo', ...args], { timeout: POPPLER_TIMEOUT_MS, killSignal: 'SIGKILL' });
    const png = await readFile(path.join(dir, 'out.png'));
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
