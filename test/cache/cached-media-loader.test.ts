import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assetCacheKey, createCachedMediaLoader } from '../../src/cache/cached-media-loader.ts';
import { createDiskStore } from '../../src/cache/disk-store.ts';
import { createTieredCache } from '../../src/cache/tiered-cache.ts';
import { decodeBestMedia } from '../../src/core/decode-asset-body.ts';
import { readAssetFromFolder } from '../../src/simulator/asset-folder.ts';

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120" viewBox="0 0 300 120"><rect width="300" height="120" fill="#c00f00"/></svg>';

let root: string;
let assetDir: string;
let png: Buffer;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'card-art-media-loader-'));
  assetDir = path.join(root, 'assets');
  await mkdir(assetDir);
  png = await sharp({ create: { width: 64, height: 40, channels: 4, background: { r: 10, g: 20, b: 200, alpha: 0.5 } } }).png().toBuffer();
  await writeFile(path.join(assetDir, 'card-bg-1.png'), png);
  await writeFile(path.join(assetDir, 'issuer-logo-1.svg'), SVG);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The simulator's asset folder as the upstream, counting fetches. */
function folderSource() {
  const fetchAsset = async (id: string) => {
    fetchAsset.calls += 1;
    const body = await readAssetFromFolder(assetDir, id);
    if (body === undefined) throw new Error(`no asset ${id}`);
    return body;
  };
  fetchAsset.calls = 0;
  return fetchAsset;
}

describe('cached media loader', () => {
  it('fetches an asset once; the second load (and one after a restart) makes zero fetches', async () => {
    const cacheDir = path.join(root, 'cache-a');
    const fetchAsset = folderSource();
    const cache = createTieredCache({ memoryBytes: 8 * 1024 * 1024, store: createDiskStore(cacheDir) });
    const loadMedia = createCachedMediaLoader({ cache, fetchAsset, decode: (body) => decodeBestMedia(body) });

    const first = await loadMedia('card-bg-1');
    expect(first).toMatchObject({ kind: 'png', width: 64, height: 40 });
    expect(first.bytes.equals(png)).toBe(true);
    const second = await loadMedia('card-bg-1');
    expect(second).toEqual(first);
    const svg = await Promise.all(Array.from({ length: 10 }, () => loadMedia('issuer-logo-1')));
    expect(svg[0]).toMatchObject({ kind: 'svg', width: 300, height: 120 });
    expect(svg[0]!.bytes.toString()).toBe(SVG);
    expect(fetchAsset.calls).toBe(2);
    await cache.close();

    const restarted = createTieredCache({ memoryBytes: 8 * 1024 * 1024, store: createDiskStore(cacheDir) });
    const refetch = folderSource();
    const again = createCachedMediaLoader({ cache: restarted, fetchAsset: refetch, decode: (body) => decodeBestMedia(body) });
    expect(await again('card-bg-1')).toEqual(first);
    expect(await again('issuer-logo-1')).toEqual(svg[0]);
    expect(refetch.calls).toBe(0);
    await restarted.close();
  });

  it('treats an entry whose meta disagrees with its bytes as a miss and refetches', async () => {
    const fetchAsset = folderSource();
    const cache = createTieredCache({ memoryBytes: 8 * 1024 * 1024, store: createDiskStore(path.join(root, 'cache-b')) });
    const loadMedia = createCachedMediaLoader({ cache, fetchAsset, decode: (body) => decodeBestMedia(body) });
    await cache.set(assetCacheKey('card-bg-1'), { bytes: png, meta: { kind: 'svg', width: '64', height: '40' } });
    await cache.set(assetCacheKey('issuer-logo-1'), { bytes: Buffer.from(SVG), meta: { kind: 'svg', width: 'wide', height: '120' } });

    expect(await loadMedia('card-bg-1')).toMatchObject({ kind: 'png', width: 64, height: 40 });
    expect(await loadMedia('issuer-logo-1')).toMatchObject({ kind: 'svg', width: 300, height: 120 });
    expect(fetchAsset.calls).toBe(2);
    // The repaired entries are what the cache now holds.
    expect((await cache.get(assetCacheKey('card-bg-1')))?.meta).toEqual({ kind: 'png', width: '64', height: '40' });
    await cache.close();
  });

  it('caches nothing when the upstream or the decoder fails', async () => {
    const cache = createTieredCache({ memoryBytes: 8 * 1024 * 1024 });
    const fetchAsset = folderSource();
    const loadMedia = createCachedMediaLoader({ cache, fetchAsset, decode: (body) => decodeBestMedia(body) });
    await expect(loadMedia('no-such-asset')).rejects.toThrow('no asset no-such-asset');
    await expect(loadMedia('no-such-asset')).rejects.toThrow();
    expect(fetchAsset.calls).toBe(2);
    expect(await cache.get(assetCacheKey('no-such-asset'))).toBeUndefined();
    await cache.close();
  });
});
