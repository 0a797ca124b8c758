import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNegativeCache, isAssetOwnFailure } from '../../src/cache/negative-cache.ts';
import { CardArtError } from '../../src/errors.ts';
import { startTestService, type TestService } from '../service/service-harness.ts';
import { makeSaveRestoreFloodPdf, onePage, streamObject } from '../support/hostile-pdf-fixtures.ts';

describe('createNegativeCache', () => {
  it('remembers an asset’s own failures and unknown IDs, never upstream or transient ones', () => {
    let now = 1_000;
    const failures = createNegativeCache({ ttlMs: 1000, now: () => now });
    failures.rememberIfOwn('a', new CardArtError('PDF_TOO_COMPLEX', 'too complex'));
    failures.rememberIfOwn('b', new CardArtError('ASSET_NOT_FOUND', 'unknown'));
    for (const [key, error] of [
      ['c', new CardArtError('UPSTREAM_ERROR', 'MDES 500')],
      ['d', new CardArtError('UPSTREAM_TIMEOUT', 'slow')],
      ['e', new CardArtError('RASTERIZER_DIED', 'killed')],
      ['f', new CardArtError('RENDER_QUEUE_FULL', 'busy')],
      ['g', new Error('library text')],
    ] as const) {
      failures.rememberIfOwn(key, error);
    }
    expect(failures.size).toBe(2);
    expect(failures.recall('a')).toMatchObject({ status: 502, code: 'PDF_TOO_COMPLEX', message: 'too complex' });
    expect(failures.recall('b')).toMatchObject({ status: 404, code: 'ASSET_NOT_FOUND' });
    expect(failures.recall('c')).toBeUndefined();
    now = 2_001;
    expect(failures.recall('a')).toBeUndefined();
  });

  it('guard answers a remembered failure without running the work, and runs it again after the window', async () => {
    let now = 1_000;
    let runs = 0;
    const failures = createNegativeCache({ ttlMs: 5000, now: () => now });
    const work = async () => {
      runs++;
      if (runs === 1) throw new CardArtError('SVG_UNSAFE', 'unsafe');
      return 'fixed';
    };
    await expect(failures.guard('k', work)).rejects.toMatchObject({ code: 'SVG_UNSAFE' });
    await expect(failures.guard('k', work)).rejects.toMatchObject({ code: 'SVG_UNSAFE' });
    expect(runs).toBe(1);
    now = 6_001;
    expect(await failures.guard('k', work)).toBe('fixed');
  });

  it('is bounded in entries and off at 0 seconds', () => {
    const bounded = createNegativeCache({ ttlMs: 60_000, maxEntries: 3 });
    for (let i = 0; i < 10; i++) bounded.rememberIfOwn(`k${i}`, new CardArtError('ASSET_NOT_FOUND', 'x'));
    expect(bounded.size).toBe(3);
    const off = createNegativeCache({ ttlMs: 0 });
    off.rememberIfOwn('k', new CardArtError('ASSET_NOT_FOUND', 'x'));
    expect(off.recall('k')).toBeUndefined();
  });

  it('guardSized remembers an own failure for the whole asset, a size-specific one for that size, nothing transient', async () => {
    const failures = createNegativeCache({ ttlMs: 60_000 });
    let runs = 0;
    const fail = (error: Error) => async () => {
      runs++;
      throw error;
    };
    await expect(failures.guardSized('asset:a', 'layer:a:10x10', fail(new CardArtError('PDF_TOO_COMPLEX', 'over time')))).rejects.toMatchObject({ code: 'PDF_TOO_COMPLEX' });
    await expect(failures.guardSized('asset:a', 'layer:a:99x99', fail(new Error('never run')))).rejects.toMatchObject({ code: 'PDF_TOO_COMPLEX' });
    expect(failures.recall('asset:a')).toMatchObject({ code: 'PDF_TOO_COMPLEX' });

    const small = new CardArtError('PDF_TOO_COMPLEX', 'image too large for 10x10', { sizeSpecific: true });
    await expect(failures.guardSized('asset:b', 'layer:b:10x10', fail(small))).rejects.toBe(small);
    await expect(failures.guardSized('asset:b', 'layer:b:10x10', fail(new Error('never run')))).rejects.toMatchObject({ code: 'PDF_TOO_COMPLEX' });
    expect(await failures.guardSized('asset:b', 'layer:b:99x99', async () => 'drawn at the larger size')).toBe('drawn at the larger size');
    expect(failures.recall('asset:b')).toBeUndefined();

    await expect(failures.guardSized('asset:c', 'layer:c:10x10', fail(new CardArtError('RASTERIZER_DIED', 'killed')))).rejects.toMatchObject({ code: 'RASTERIZER_DIED' });
    expect(await failures.guardSized('asset:c', 'layer:c:10x10', async () => 'fine now')).toBe('fine now');
    expect(runs).toBe(3);
  });

  it('classifies content codes as the asset’s own', () => {
    expect((['PNG_INVALID', 'PDF_ENCRYPTED', 'SVG_TOO_LARGE', 'ASSET_BASE64_INVALID'] as const).every((code) => isAssetOwnFailure(new CardArtError(code, '')))).toBe(true);
    expect(isAssetOwnFailure(new CardArtError('UPSTREAM_BODY_INVALID', ''))).toBe(false);
  });
});

describe('remembered failures through the service', () => {
  let dir: string;
  let service: TestService;
  const get = (pathAndQuery: string) => fetch(`${service.baseUrl}${pathAndQuery}`);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'card-art-negative-'));
    await writeFile(path.join(dir, 'bg.png'), await sharp({ create: { width: 320, height: 202, channels: 4, background: '#123456' } }).png().toBuffer());
    await writeFile(path.join(dir, 'card-bg.png'), await sharp({ create: { width: 320, height: 202, channels: 4, background: '#654321' } }).png().toBuffer());
    await writeFile(path.join(dir, 'broken.png'), Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(40)]));
    // Opens (its page size is read at decode time) but fails when drawn: 12 M operators, past the operator bound.
    await writeFile(path.join(dir, 'operator-flood.pdf'), await makeSaveRestoreFloodPdf());
    // A 2500×2000 embedded image: too large for a 128 px layer (4 MP allowed), fine for 1536 px.
    await writeFile(path.join(dir, 'large-image.pdf'), onePage(Buffer.from('q 300 0 0 189 0 0 cm /Im0 Do Q'), '', '/XObject << /Im0 5 0 R >>', [
      streamObject('/Type /XObject /Subtype /Image /Width 2500 /Height 2000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode', deflateSync(Buffer.alloc(5_000_000, 0x60))),
    ]));
    service = await startTestService(dir);
  });
  afterAll(async () => {
    await service?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the same unknown ID 500 times costs one Get Asset call', async () => {
    for (let i = 0; i < 500; i++) {
      const answer = await get('/v1/assets/never-issued?width=256');
      expect(answer.status).toBe(404);
      await answer.arrayBuffer();
    }
    expect(service.simulator.counts()['asset:never-issued']).toBe(1);
  });

  it('a card with four unknown IDs, asked for again and again, costs at most four Get Asset calls', async () => {
    const query = '/v1/card-art?cardBackgroundAssetId=u-bg&issuerLogoAssetId=u-issuer&coBrandLogoAssetId=u-cobrand&brandLogoAssetId=u-brand';
    for (let i = 0; i < 50; i++) {
      const answer = await get(`${query}&text=${i}`);
      expect(answer.status).toBe(404);
      await answer.arrayBuffer();
    }
    const counts = service.simulator.counts();
    const calls = ['u-bg', 'u-issuer', 'u-cobrand', 'u-brand'].reduce((sum, id) => sum + (counts[`asset:${id}`] ?? 0), 0);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(4);
  });

  it('an asset that fails to draw on its own is remembered for every size and every card: one fetch, one render', async () => {
    const first = await get('/v1/assets/operator-flood?width=128');
    expect([first.status, ((await first.json()) as { error: { code: string } }).error.code]).toEqual([502, 'PDF_TOO_COMPLEX']);
    const hitsBefore = service.services.deps.failures!.hits;
    for (const path of ['/v1/assets/operator-flood?width=1536', '/v1/assets/operator-flood?width=256&format=webp', '/v1/card-art?cardBackgroundAssetId=card-bg&issuerLogoAssetId=operator-flood']) {
      const again = await get(path);
      expect([again.status, ((await again.json()) as { error: { code: string } }).error.code], path).toEqual([502, 'PDF_TOO_COMPLEX']);
    }
    expect(service.services.deps.failures!.hits - hitsBefore).toBe(3);
    // The failed render evicted the media and nothing fetched it again.
    expect(service.simulator.counts()['asset:operator-flood']).toBe(1);
  });

  it('a failure that depends on the size asked for is remembered for that size only', async () => {
    const small = await get('/v1/assets/large-image?width=128');
    expect([small.status, ((await small.json()) as { error: { code: string } }).error.code]).toEqual([502, 'PDF_TOO_COMPLEX']);
    expect((await get('/v1/assets/large-image?width=128&format=webp')).status).toBe(502);
    const large = await get('/v1/assets/large-image?width=1536');
    expect(large.status).toBe(200);
    expect(large.headers.get('content-type')).toBe('image/png');
  });

  it('a broken asset is answered with the same code again without another fetch; an upstream failure is not remembered', async () => {
    const first = await get('/v1/card-art?cardBackgroundAssetId=broken');
    const firstBody = (await first.json()) as { error: { code: string } };
    const second = await get('/v1/card-art?cardBackgroundAssetId=broken&text=2');
    expect([first.status, second.status]).toEqual([502, 502]);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe(firstBody.error.code);
    expect(service.simulator.counts()['asset:broken']).toBe(1);

    service.simulator.faults.inject('bg', { kind: 'status', status: 500 });
    expect((await get('/v1/assets/bg?width=256')).status).toBe(502);
    service.simulator.faults.clear('bg');
    expect((await get('/v1/assets/bg?width=256')).status).toBe(200);
  });
});
