import { describe, expect, it } from 'vitest';
import { TEST_REDIS_URL as REDIS_URL, useTestRedis } from '../../support/test-redis.ts';
import { createRedisStore } from '../../../src/cache/redis-store.ts';
import { pushReceiptKey } from '../../../src/cache-keys.ts';
import { createReceiptStore } from '../../../src/service/push-provisioning/receipt-store.ts';

const { prefix, admin } = useTestRedis();

const instance = () => createRedisStore(REDIS_URL, { prefix });

describe('push receipts in the shared cache', () => {
  it('a receipt remembered by one instance is known to another sharing CACHE_URL, with the last four digits only', async () => {
    const [a, b] = [instance(), instance()];
    let now = 1_000_000;
    const storeA = createReceiptStore({ store: a, now: () => now });
    const storeB = createReceiptStore({ store: b, now: () => now });
    await storeA.remember('MCC-SHARED-1', { accountPanSuffix: '4444', tokenRequestorId: '50110030271' }, now + 15 * 60_000);
    expect(await storeB.recall('MCC-SHARED-1')).toEqual({ accountPanSuffix: '4444', tokenRequestorId: '50110030271' });
    const raw = await admin.withTypeMapping({ 36: Buffer }).get(`${prefix}${pushReceiptKey('MCC-SHARED-1')}`);
    expect(String(raw)).toContain('"accountPanSuffix":"4444"');
    expect(await storeB.recall('MCC-UNKNOWN')).toBeUndefined();
    // Redis itself drops the entry when the receipt's validity ends.
    const ttl = await admin.pTTL(`${prefix}${pushReceiptKey('MCC-SHARED-1')}`);
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);

    now += 15 * 60_000 + 1;
    expect(await storeB.recall('MCC-SHARED-1')).toBeUndefined();
    expect(await admin.exists(`${prefix}${pushReceiptKey('MCC-SHARED-1')}`)).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('a store outage is not an error: remembering is skipped, recalling answers unknown', async () => {
    const down = { get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')), delete: () => Promise.reject(new Error('down')) };
    const warnings: string[] = [];
    const store = createReceiptStore({ store: down, log: { warn: (_o, msg) => warnings.push(msg) } });
    await expect(store.remember('MCC-X', { accountPanSuffix: '4444', tokenRequestorId: '50110030271' }, Date.now() + 60_000)).resolves.toBeUndefined();
    expect(warnings).toEqual(['could not remember a push receipt']);
    expect(await store.recall('MCC-X')).toBeUndefined();
  });
});
