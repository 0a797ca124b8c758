import { randomUUID } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../../../src/cache/redis-store.ts';
import { createTieredCache } from '../../../src/cache/tiered-cache.ts';
import { createReceiptStore, receiptCacheKey } from '../../../src/service/push-provisioning/receipt-store.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `card-art-test:${randomUUID()}:`;
const admin = createClient({ url: REDIS_URL });

beforeAll(async () => {
  await admin.connect();
});
afterAll(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(keys);
  await admin.close();
});

const instance = () => createTieredCache({ memoryBytes: 1024 * 1024, store: createRedisStore(REDIS_URL, { prefix }) });

describe('push receipts in the shared cache', () => {
  it('a receipt remembered by one instance is known to another sharing CACHE_URL, with the last four digits only', async () => {
    const [a, b] = [instance(), instance()];
    let now = 1_000_000;
    const storeA = createReceiptStore({ cache: a, now: () => now });
    const storeB = createReceiptStore({ cache: b, now: () => now });
    await storeA.remember('MCC-SHARED-1', { accountPanSuffix: '4444', tokenRequestorId: '50110030271' }, now + 15 * 60_000);
    expect(await storeB.recall('MCC-SHARED-1')).toEqual({ accountPanSuffix: '4444', tokenRequestorId: '50110030271' });
    const raw = await admin.withTypeMapping({ 36: Buffer }).get(`${prefix}${receiptCacheKey('MCC-SHARED-1')}`);
    expect(String(raw)).toContain('"accountPanSuffix":"4444"');
    expect(await storeB.recall('MCC-UNKNOWN')).toBeUndefined();

    now += 15 * 60_000 + 1;
    expect(await storeB.recall('MCC-SHARED-1')).toBeUndefined();
    expect(await admin.exists(`${prefix}${receiptCacheKey('MCC-SHARED-1')}`)).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });
});
