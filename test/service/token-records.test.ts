/** Token records and handled requestIds in the real persistent stores: disk files and Redis (own prefix, cleaned up). */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/cache/cache-types.ts';
import { createDiskStore } from '../../src/cache/disk-store.ts';
import { createRedisStore } from '../../src/cache/redis-store.ts';
import { NTU_PAYLOAD_PREFIX, NTU_REQUEST_PREFIX, TOKEN_RECORD_PREFIX } from '../../src/cache-keys.ts';
import {
  assertStatusTimestampNotAhead,
  createHandledRequests,
  createTokenRecords,
  mayReplace,
  type TokenUpdate,
} from '../../src/service/token-records.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const redisPrefix = `card-art-test:${randomUUID()}:`;
const admin = createClient({ url: REDIS_URL });
let diskDir: string;

beforeAll(async () => {
  await admin.connect();
  diskDir = await mkdtemp(path.join(tmpdir(), 'card-art-token-records-'));
});
afterAll(async () => {
  const keys = await admin.keys(`${redisPrefix}*`);
  if (keys.length > 0) await admin.del(keys);
  await admin.close();
  await rm(diskDir, { recursive: true, force: true });
});

const update = (overrides: Partial<TokenUpdate> = {}): TokenUpdate => ({
  tokenUniqueReference: 'DWSPMC00000000001',
  status: 'ACTIVE',
  statusTimestamp: '2026-11-30T10:00:00.000Z',
  productConfig: { cardBackgroundAssetId: 'bg-one', foregroundColor: 'ffffff' },
  accountPanSuffix: '4242',
  tokenRequestorId: '50110030273',
  ...overrides,
});

const stores: Array<[string, () => CacheStore]> = [
  ['disk', () => createDiskStore(diskDir, { fsync: false })],
  ['redis', () => createRedisStore(REDIS_URL, { prefix: redisPrefix })],
];

describe.each(stores)('token records on %s', (name, openStore) => {
  it('survive a restart (a new store on the same disk folder / Redis) and keep the newest statusTimestamp', async () => {
    const first = openStore();
    const records = createTokenRecords({ store: first, now: () => Date.parse('2026-12-01T00:00:00Z') });
    expect((await records.apply(update())).applied).toBe(true);
    // Newer: replaces, and keeps what the update does not say (the art, the suffix).
    const newer = await records.apply(update({ status: 'SUSPENDED', statusTimestamp: '2026-11-30T11:00:00Z', productConfig: undefined, accountPanSuffix: undefined }));
    expect(newer.applied).toBe(true);
    expect(newer.record).toMatchObject({ status: 'SUSPENDED', accountPanSuffix: '4242', productConfig: { cardBackgroundAssetId: 'bg-one' } });
    // Older (an earlier instant in another offset): ignored.
    const older = await records.apply(update({ status: 'ACTIVE', statusTimestamp: '2026-11-30T11:30:00+01:00', productConfig: { cardBackgroundAssetId: 'bg-old' } }));
    expect(older.applied).toBe(false);
    expect(older.record.status).toBe('SUSPENDED');
    await first.close();

    const second = openStore();
    const reopened = await createTokenRecords({ store: second }).get('DWSPMC00000000001');
    expect(reopened).toEqual({
      tokenUniqueReference: 'DWSPMC00000000001',
      status: 'SUSPENDED',
      statusTimestamp: '2026-11-30T11:00:00Z',
      productConfig: { cardBackgroundAssetId: 'bg-one', foregroundColor: 'ffffff' },
      accountPanSuffix: '4242',
      tokenRequestorId: '50110030273',
      updatedAt: '2026-12-01T00:00:00.000Z',
    });
    expect(await createTokenRecords({ store: second }).get('DWSPMC0000000000NONE')).toBeUndefined();
    // Stored under its own prefix, as data: straight in the store, not via the cache's memory tier.
    expect(await second.get(`${TOKEN_RECORD_PREFIX}DWSPMC00000000001`)).toBeDefined();
    await second.close();
  });

  it('are shared by two instances using the same store at once (CACHE_URL / a shared CACHE_DIR)', async () => {
    const [storeA, storeB] = [openStore(), openStore()];
    const ref = `DWSPMC0000SHARED${name}`;
    await createTokenRecords({ store: storeA }).apply(update({ tokenUniqueReference: ref, accountPanSuffix: '7777' }));
    expect((await createTokenRecords({ store: storeB }).get(ref))?.accountPanSuffix).toBe('7777');
    await createHandledRequests({ store: storeB }).remember({ requestId: `shared-${name}`, payloadDigest: `digest-${name}` }, 'response-b');
    expect(await createHandledRequests({ store: storeA }).find(`shared-${name}`)).toBe('response-b');
    expect(await createHandledRequests({ store: storeA }).findPayload(`digest-${name}`)).toBe('response-b');
    await Promise.all([storeA.close(), storeB.close()]);
  });

  it('serializes concurrent updates of one token, so the newest wins whatever the arrival order', async () => {
    const store = openStore();
    const records = createTokenRecords({ store });
    const ref = `DWSPMC0000CONCURRENT${name}`;
    const hours = [3, 9, 1, 7, 5, 8, 2];
    await Promise.all(hours.map((h) => records.apply(update({ tokenUniqueReference: ref, statusTimestamp: `2026-11-30T0${h}:00:00.000Z`, accountPanSuffix: `000${h}` }))));
    expect((await records.get(ref))?.accountPanSuffix).toBe('0009');
    await store.close();
  });

  it('never lets an update without a statusTimestamp replace a record that has one (a replayed NTU cannot roll art back)', async () => {
    const store = openStore();
    const records = createTokenRecords({ store });
    const ref = `DWSPMC0000UNTIMED${name}`;
    // Built without a timestamp: the next update without one replaces it (later arrival), one with a timestamp too.
    await records.apply(update({ tokenUniqueReference: ref, statusTimestamp: undefined, productConfig: { cardBackgroundAssetId: 'bg-a' } }));
    expect((await records.apply(update({ tokenUniqueReference: ref, statusTimestamp: undefined, productConfig: { cardBackgroundAssetId: 'bg-b' } }))).applied).toBe(true);
    const timed = await records.apply(update({ tokenUniqueReference: ref, productConfig: { cardBackgroundAssetId: 'bg-c' } }));
    expect(timed.applied).toBe(true);
    expect(timed.record.statusTimestamp).toBe('2026-11-30T10:00:00.000Z');
    // From then on an update without one is kept out.
    const untimed = await records.apply(update({ tokenUniqueReference: ref, statusTimestamp: undefined, productConfig: { cardBackgroundAssetId: 'bg-a' } }));
    expect(untimed.applied).toBe(false);
    expect((await records.get(ref))?.productConfig?.cardBackgroundAssetId).toBe('bg-c');
    await store.close();
  });

  it('refuses anything longer than a four-digit suffix rather than storing it', async () => {
    const store = openStore();
    await expect(createTokenRecords({ store }).apply(update({ tokenUniqueReference: 'DWSPMC0000PAN', accountPanSuffix: '5555444433331111' }))).rejects.toThrow();
    expect(await store.get(`${TOKEN_RECORD_PREFIX}DWSPMC0000PAN`)).toBeUndefined();
    await store.close();
  });

  it('remembers a handled requestId and payload digest with their responseId until the TTL passes', async () => {
    const store = openStore();
    // 1.5 s: the reads right after remembering must come within it (at 300 ms a stalled process could miss it).
    const ttlMs = 1500;
    const handled = createHandledRequests({ store, ttlMs });
    await handled.remember({ requestId: `req-${name}`, payloadDigest: `payload-${name}` }, 'response-1');
    expect(await createHandledRequests({ store }).find(`req-${name}`)).toBe('response-1');
    expect(await createHandledRequests({ store }).findPayload(`payload-${name}`)).toBe('response-1');
    if (name === 'redis') {
      for (const key of [`${NTU_REQUEST_PREFIX}req-${name}`, `${NTU_PAYLOAD_PREFIX}payload-${name}`]) {
        const ttl = await admin.pTTL(`${redisPrefix}${key}`);
        expect(ttl).toBeGreaterThan(0); // Redis expires it by itself
        expect(ttl).toBeLessThanOrEqual(ttlMs);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, ttlMs + 100));
    expect(await handled.find(`req-${name}`)).toBeUndefined();
    expect(await handled.findPayload(`payload-${name}`)).toBeUndefined();
    await store.close();
  });
});

describe('which update wins', () => {
  const at = (iso: string | undefined) => ({ statusTimestamp: iso });
  it('a later or equal statusTimestamp replaces; an earlier one or none (over one) does not', () => {
    expect(mayReplace(at('2026-11-30T10:00:00Z'), undefined)).toBe(true);
    expect(mayReplace(at(undefined), undefined)).toBe(true);
    expect(mayReplace(at(undefined), at(undefined))).toBe(true);
    expect(mayReplace(at('2026-11-30T10:00:00Z'), at(undefined))).toBe(true);
    expect(mayReplace(at('2026-11-30T10:00:01Z'), at('2026-11-30T10:00:00Z'))).toBe(true);
    // Equal: a card art change may keep the status's timestamp.
    expect(mayReplace(at('2026-11-30T11:00:00+01:00'), at('2026-11-30T10:00:00Z'))).toBe(true);
    expect(mayReplace(at('2026-11-30T09:59:59Z'), at('2026-11-30T10:00:00Z'))).toBe(false);
    expect(mayReplace(at(undefined), at('2026-11-30T10:00:00Z'))).toBe(false);
  });

  it('a statusTimestamp more than 5 minutes ahead of the clock is refused (400 STATUS_TIMESTAMP_IN_FUTURE)', () => {
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(() => assertStatusTimestampNotAhead('2026-11-30T10:05:00Z', now)).not.toThrow();
    expect(() => assertStatusTimestampNotAhead(undefined, now)).not.toThrow();
    expect(() => assertStatusTimestampNotAhead('2026-11-30T10:05:00.001Z', now)).toThrow(expect.objectContaining({ status: 400, code: 'STATUS_TIMESTAMP_IN_FUTURE' }));
    expect(() => assertStatusTimestampNotAhead('9999-12-31T23:59:59Z', now, 'tokens.0.statusTimestamp')).toThrow(/^tokens\.0\.statusTimestamp /);
  });
});

it('a store that is down is a 503 TOKEN_STORE_UNAVAILABLE with Retry-After, not a miss', async () => {
  const store = createRedisStore('redis://127.0.0.1:1', { prefix: redisPrefix, connectTimeoutMs: 200, commandTimeoutMs: 200 });
  const records = createTokenRecords({ store });
  await expect(records.get('DWSPMC00000000001')).rejects.toMatchObject({ status: 503, code: 'TOKEN_STORE_UNAVAILABLE', retryAfterSeconds: 5 });
  await store.close();
});
