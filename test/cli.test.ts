import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'src/cli.ts');
const ASSETS = path.join(ROOT, 'test/fixtures/golden-assets');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in a child process with this Node (24, via the project's node_modules). */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'card-art-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeJson(name: string, value: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(value));
  return file;
}

// Each run is a fresh Node process; on a loaded machine start-up alone can take seconds.
const SLOW = { timeout: 90_000 };

describe.concurrent('cli compose', SLOW, () => {
  it('composes a card from a productConfig file and an asset folder', async () => {
    const pc = await writeJson('pc.json', {
      cardBackgroundAssetId: 'bg-dark',
      issuerLogoAssetId: 'issuer-solid',
      brandLogoAssetId: 'brand-vector',
      foregroundColor: 'FFFFFF',
      issuerName: 'ignored extra field',
    });
    const out = path.join(dir, 'card.png');
    const run = await cli('compose', '--product-config', pc, '--assets', ASSETS, '--out', out, '--text', '•••• 1234');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1536x969 image/png');
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 1536, height: 969, channels: 4 });
    // issuer centre is red, the text area has white ink
    const at = (x: number, y: number) => [...data.subarray((y * 1536 + x) * 4, (y * 1536 + x) * 4 + 3)];
    expect(at(768, 198)).toEqual([220, 30, 40]);
    let white = 0;
    for (let y = 629; y < 912; y++) for (let x = 82; x < 913; x++) if (at(x, y).every((c) => c > 240)) white++;
    expect(white).toBeGreaterThan(1000);
  });

  it('takes {productConfig, text}, --width and the format from --format', async () => {
    const pc = await writeJson('wrapped.json', { productConfig: { cardBackgroundCombinedAssetId: 'combined-card' }, text: '•••• 9999' });
    const out = path.join(dir, 'card.out');
    const run = await cli('compose', '--product-config', pc, '--assets', ASSETS, '--out', out, '--width', '512', '--format', 'webp');
    expect(run.code).toBe(0);
    expect(await sharp(out).metadata()).toMatchObject({ format: 'webp', width: 512, height: 323 });
  });

  it('picks the format from the --out extension', async () => {
    const pc = await writeJson('plain.json', { cardBackgroundAssetId: 'bg-light' });
    const out = path.join(dir, 'card.avif');
    const run = await cli('compose', '--product-config', pc, '--assets', ASSETS, '--out', out, '--width', '256');
    expect(run.code).toBe(0);
    expect(await sharp(out).metadata()).toMatchObject({ format: 'heif', width: 256, height: 162 });
  });

  it('exits 2 with the usage on a missing option', async () => {
    const missing = await cli('compose', '--assets', ASSETS);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --product-config');
    expect(missing.stderr).toContain('usage:');
  });

  it('exits 2 on unknown commands and options', async () => {
    expect((await cli('paint')).code).toBe(2);
    expect((await cli()).code).toBe(2);
    const unknown = await cli('compose', '--bogus', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
  });

  it('exits 2 on a width or format it does not offer', async () => {
    const pc = await writeJson('ok.json', { cardBackgroundAssetId: 'bg-dark' });
    const badWidth = await cli('compose', '--product-config', pc, '--assets', ASSETS, '--out', path.join(dir, 'x.png'), '--width', '1000');
    expect(badWidth.code).toBe(2);
    expect(badWidth.stderr).toContain('INVALID_WIDTH');
    const badFormat = await cli('compose', '--product-config', pc, '--assets', ASSETS, '--out', path.join(dir, 'x.png'), '--format', 'gif');
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format must be png, webp or avif');
  });

  it('exits 2 on an invalid productConfig file', async () => {
    const badColour = await writeJson('bad.json', { cardBackgroundAssetId: 'bg-dark', foregroundColor: 'red' });
    const colour = await cli('compose', '--product-config', badColour, '--assets', ASSETS, '--out', path.join(dir, 'x.png'));
    expect(colour.code).toBe(2);
    expect(colour.stderr).toContain('INVALID_FOREGROUND_COLOR');
    const notJson = path.join(dir, 'not.json');
    await writeFile(notJson, '{nope');
    const broken = await cli('compose', '--product-config', notJson, '--assets', ASSETS, '--out', path.join(dir, 'x.png'));
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('is not valid JSON');
  });

  it('exits 1 when an asset is missing', async () => {
    const pc = await writeJson('missing.json', { cardBackgroundAssetId: 'no-such-asset' });
    const run = await cli('compose', '--product-config', pc, '--assets', ASSETS, '--out', path.join(dir, 'x.png'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('ASSET_NOT_FOUND');
  });
});

describe.concurrent('cli rasterize', SLOW, () => {
  it('rasterizes a PDF file at a width, aspect kept', async () => {
    const out = path.join(dir, 'brand.png');
    const run = await cli('rasterize', path.join(ASSETS, 'brand-vector.pdf'), '--width', '300', '--out', out);
    expect(run.code).toBe(0);
    const meta = await sharp(out).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 300, height: 180, hasAlpha: true });
  });

  it('rasterizes an asset ID from a folder at its natural size', async () => {
    const out = path.join(dir, 'issuer.webp');
    const run = await cli('rasterize', 'issuer-solid', '--assets', ASSETS, '--out', out);
    expect(run.code).toBe(0);
    expect(await sharp(out).metadata()).toMatchObject({ format: 'webp', width: 400, height: 200 });
  });

  it('explains what is wrong with the arguments', async () => {
    const notFile = await cli('rasterize', 'issuer-solid', '--out', path.join(dir, 'x.png'));
    expect(notFile.code).toBe(2);
    expect(notFile.stderr).toContain('pass --assets DIR');
    expect((await cli('rasterize', '--out', path.join(dir, 'x.png'))).code).toBe(2);
    const tooWide = await cli('rasterize', 'issuer-solid', '--assets', ASSETS, '--width', '5000', '--out', path.join(dir, 'x.png'));
    expect(tooWide.code).toBe(2);
    expect(tooWide.stderr).toContain('INVALID_WIDTH');
  });
});
