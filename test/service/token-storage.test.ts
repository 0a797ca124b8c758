/**
 * What one token record costs where it is kept (the README states these figures): its file on disk (bytes and the
 * blocks the file system allocates) and its key in Redis (MEMORY USAGE), for a record with a full card art of five
 * asset IDs. Also the NTU request records kept for 24 h per notification. Real stores, own folder and key prefix.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiskStore } from '../../src/cache/disk-store.ts';
import { createRedisStore } from '../../src/cache/redis-store.ts';
import { createHandledRequests, createTokenRecords, type TokenUpdate } from '../../src/service/token-records.ts';
import { TEST_REDIS_URL, useTestRedis } from '../support/test-redis.ts';

const RECORDS = 200;
const { prefix, admin } = useTestRedis();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'card-art-token-storage-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(i: number): TokenUpdate {
  return {
    tokenUniqueReference: `DWSPMC${randomUUID().replaceAll('-', '')}${String(i).padStart(4, '0')}`.slice(0, 48),
    status: 'ACTIVE',
    statusTimestamp: '2026-11-30T10:00:00.000Z',
    productConfig: {
      cardBackgroundAssetId: randomUUID(),
      issuerLogoAssetId: randomUUID(),
      coBrandLogoAssetId: randomUUID(),
      brandLogoAssetId: randomUUID(),
      iconAssetId: randomUUID(),
      foregroundColor: 'ffffff',
      isCoBranded: true,
    },
    accountPanSuffix: '1234',
    tokenPanSuffix: '5678',
    tokenRequestorId: '50110030273',
  };
}

async function filesUnder(folder: string): Promise<Array<{ bytes: number; allocated: number }>> {
  const found = [];
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const info = await stat(path.join(entry.parentPath, entry.name));
    found.push({ bytes: info.size, allocated: info.blocks * 512 });
  }
  return found;
}

const mean = (values: number[]) => Math.round(values.reduce((sum, v) => sum + v, 0) / values.length);

describe('the storage one token record costs', () => {
  it(`on disk and in Redis (${RECORDS} records with five asset IDs each, and their NTU request records)`, async () => {
    const disk = createDiskStore(path.join(dir, 'tokens'), { fsync: false });
    const diskRecords = createTokenRecords({ store: disk });
    for (let i = 0; i < RECORDS; i++) await diskRecords.apply(record(i));
    const tokenFiles = await filesUnder(path.join(dir, 'tokens'));
    const handledDisk = createDiskStore(path.join(dir, 'handled'), { fsync: false });
    for (let i = 0; i < RECORDS; i++) await createHandledRequests({ store: handledDisk }).remember({ requestId: randomUUID(), payloadDigest: randomUUID() }, randomUUID());
    const handledFiles = await filesUnder(path.join(dir, 'handled'));

    const redis = createRedisStore(TEST_REDIS_URL, { prefix });
    const redisRecords = createTokenRecords({ store: redis });
    for (let i = 0; i < RECORDS; i++) await redisRecords.apply(record(i));
    const tokenKeys = await admin.keys(`${prefix}token:*`);
    const memory = await Promise.all(tokenKeys.map(async (key) => Number(await admin.memoryUsage(key))));
    await Promise.all([disk.close(), handledDisk.close(), redis.close()]);

    const perNotification = {
      bytes: mean(handledFiles.map((f) => f.bytes)) * 2,
      allocated: mean(handledFiles.map((f) => f.allocated)) * 2,
    };
    console.log(
      `token record on disk: ${mean(tokenFiles.map((f) => f.bytes))} B in its file, ${mean(tokenFiles.map((f) => f.allocated))} B allocated (one file each); ` +
        `in Redis: ${mean(memory)} B (MEMORY USAGE); per notification kept 24 h (requestId + payload digest): ` +
        `${perNotification.bytes} B in 2 files, ${perNotification.allocated} B allocated`,
    );
    expect(tokenFiles).toHaveLength(RECORDS);
    expect(tokenKeys).toHaveLength(RECORDS);
    expect(handledFiles).toHaveLength(RECORDS * 2);
    // What the README states: under 1 KB of content, in one block of the file system (4 KiB here), about 1 KB in Redis.
    expect(mean(tokenFiles.map((f) => f.bytes))).toBeLessThan(1024);
    expect(mean(tokenFiles.map((f) => f.allocated))).toBeLessThanOrEqual((await statfs(dir)).bsize);
    expect(mean(memory)).toBeLessThan(2048);
  });
});
