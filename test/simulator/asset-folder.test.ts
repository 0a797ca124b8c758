import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAssetBodyText, readAssetFromFolder } from '../../src/simulator/asset-folder.ts';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'card-art-folder-'));
  writeFileSync(path.join(dir, 'logo.png'), await sharp({ create: { width: 30, height: 12, channels: 4, background: '#00000000' } }).png().toBuffer());
  writeFileSync(path.join(dir, 'doc.pdf'), '%PDF-1.7\n');
  writeFileSync(path.join(dir, 'odd.json'), '{"mediaContents":[{"type":"applicatoin/pdf","data":"JVBERg=="}]}');
  writeFileSync(path.join(dir, 'bad.json'), '{ nope');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('asset folder', () => {
  it('wraps a PNG in one entry with its IHDR size as strings', async () => {
    const body = (await readAssetFromFolder(dir, 'logo')) as { mediaContents: Array<Record<string, string>> };
    expect(body.mediaContents).toHaveLength(1);
    expect(body.mediaContents[0]).toMatchObject({ type: 'image/png', width: '30', height: '12' });
  });

  it('gives vectors no size hint and serves <id>.json verbatim as text', async () => {
    const pdf = (await readAssetFromFolder(dir, 'doc')) as { mediaContents: Array<Record<string, string>> };
    expect(pdf.mediaContents[0]).toEqual({ type: 'application/pdf', data: Buffer.from('%PDF-1.7\n').toString('base64') });
    expect(await readAssetBodyText(dir, 'odd')).toBe('{"mediaContents":[{"type":"applicatoin/pdf","data":"JVBERg=="}]}');
    expect(await readAssetBodyText(dir, 'bad')).toBe('{ nope');
  });

  it('returns undefined for unknown IDs and never leaves the folder', async () => {
    expect(await readAssetFromFolder(dir, 'missing')).toBeUndefined();
    expect(await readAssetFromFolder(dir, '../outside-card-art')).toBeUndefined();
    expect(await readAssetBodyText(dir, '..')).toBeUndefined();
  });
});
