import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_SAMPLES_DIR } from '../../src/config.ts';
import type { AssetMedia, ProductConfig } from '../../src/core/asset-media.ts';
import { decodeAssetBody } from '../../src/core/decode-asset-body.ts';
import { ASSET_ID_PATTERN, readAssetFromFolder } from '../../src/simulator/asset-folder.ts';
import { makeSamples } from '../tools/make-samples.ts';

const files = readdirSync(BUNDLED_SAMPLES_DIR);
const demoCards = JSON.parse(readFileSync(path.join(BUNDLED_SAMPLES_DIR, 'demo-cards.json'), 'utf8')) as Array<{
  name: string;
  productConfig: ProductConfig;
  text?: string;
}>;
const requestors = (
  JSON.parse(readFileSync(path.join(BUNDLED_SAMPLES_DIR, 'token-requestors.json'), 'utf8')) as {
    tokenRequestors: Array<Record<string, unknown> & { imageAssetId: string; tokenRequestorType: string }>;
  }
).tokenRequestors;

async function decoded(id: string): Promise<AssetMedia[]> {
  const body = await readAssetFromFolder(BUNDLED_SAMPLES_DIR, id);
  expect(body, `asset ${id} exists`).toBeDefined();
  return decodeAssetBody(body);
}

describe('bundled samples', () => {
  it('stay small and use asset-ID file names only', () => {
    const total = files.reduce((sum, name) => sum + statSync(path.join(BUNDLED_SAMPLES_DIR, name)).size, 0);
    expect(total).toBeLessThan(1.5 * 1024 * 1024);
    for (const name of files) {
      if (['demo-cards.json', 'token-requestors.json', 'push-cards.json'].includes(name)) continue;
      const [id, extension] = [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.'))];
      expect(id).toMatch(ASSET_ID_PATTERN);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(['.png', '.pdf', '.svg', '.json']).toContain(extension);
    }
  });

  it('list at least 5 demo cards whose every asset decodes, covering combined, co-brand and PDF backgrounds', async () => {
    expect(demoCards.length).toBeGreaterThanOrEqual(5);
    const kinds = new Set<string>();
    for (const card of demoCards) {
      const { foregroundColor, isCoBranded: _isCoBranded, ...assetIds } = card.productConfig;
      if (foregroundColor !== undefined) expect(foregroundColor).toMatch(/^[0-9a-fA-F]{6}$/);
      for (const [field, id] of Object.entries(assetIds)) {
        const media = await decoded(id as string);
        expect(media.length).toBeGreaterThan(0);
        kinds.add(`${field}:${media[0]!.kind}`);
        if (field === 'iconAssetId') expect(media[0]).toMatchObject({ kind: 'png', width: 100, height: 100 });
      }
    }
    expect(demoCards.some((c) => c.productConfig.cardBackgroundCombinedAssetId)).toBe(true);
    expect(demoCards.some((c) => c.productConfig.issuerLogoAssetId && c.productConfig.coBrandLogoAssetId)).toBe(true);
    for (const kind of ['cardBackgroundAssetId:pdf', 'cardBackgroundAssetId:png', 'brandLogoAssetId:pdf', 'brandLogoAssetId:png', 'issuerLogoAssetId:svg', 'coBrandLogoAssetId:png']) {
      expect(kinds).toContain(kind);
    }
  });

  it('include a multi-entry asset with a PDF and PNGs', async () => {
    const multi = files.filter((name) => name.endsWith('.json') && !['demo-cards.json', 'token-requestors.json', 'push-cards.json'].includes(name));
    const kindsPerAsset = await Promise.all(multi.map(async (name) => (await decoded(name.replace('.json', ''))).map((m) => m.kind)));
    expect(kindsPerAsset.some((kinds) => kinds.includes('pdf') && kinds.filter((k) => k === 'png').length >= 2)).toBe(true);
  });

  it('list 4+ token requestors (wallets and merchants) with square SVG + PNG 192x192 logos', async () => {
    expect(requestors.length).toBeGreaterThanOrEqual(4);
    expect(new Set(requestors.map((r) => r.tokenRequestorType))).toEqual(new Set(['WALLET', 'MERCHANT']));
    for (const requestor of requestors) {
      expect(requestor).toMatchObject({ tokenRequestorId: expect.any(String), name: expect.any(String), consumerFacingEntityName: expect.any(String) });
      for (const range of (requestor.enabledAccountRanges as string[] | undefined) ?? []) expect(range).toMatch(/^\d{9,19}$/);
      const media = await decoded(requestor.imageAssetId);
      expect(media.map((m) => m.kind).sort()).toEqual(['png', 'svg']);
      for (const m of media) expect([m.width, m.height]).toEqual([192, 192]);
    }
  });

  it('are exactly what make-samples.ts writes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'card-art-samples-'));
    try {
      const written = await makeSamples(dir);
      expect(written.sort()).toEqual([...files].sort());
      for (const name of written) {
        expect(readFileSync(path.join(dir, name)).equals(readFileSync(path.join(BUNDLED_SAMPLES_DIR, name))), name).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
