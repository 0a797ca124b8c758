/** One behaviour contract for every CacheStore (keyv's @keyv/test-suite habit). */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheEntry, CacheStore } from '../../src/cache/cache-types.ts';

export const ALL_BYTE_VALUES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

export function runCacheStoreContract(name: string, factory: () => Promise<CacheStore> | CacheStore): void {
  describe(`CacheStore contract: ${name}`, () => {
    let store: CacheStore;
    // Unique per test so stores that outlive one test (disk, Redis) never see another test's keys.
    let ns: string;

    beforeEach(async () => {
      store = await factory();
      ns = `contract:${randomUUID()}:`;
    });
    afterEach(async () => {
      await store.close();
    });

    it('round-trips all 256 byte values and the meta', async () => {
      const entry: CacheEntry = { bytes: ALL_BYTE_VALUES, meta: { kind: 'png', width: '16', height: '16', note: 'ünï ✓' } };
      await store.set(`${ns}bytes`, entry);
      const got = await store.get(`${ns}bytes`);
      expect(got).toBeDefined();
      expect(Buffer.isBuffer(got!.bytes)).toBe(true);
      expect(got!.bytes.equals(ALL_BYTE_VALUES)).toBe(true);
      expect(got!.meta).toEqual(entry.meta);
    });

    it('round-trips an empty value and empty meta', async () => {
      await store.set(`${ns}empty`, { bytes: Buffer.alloc(0), meta: {} });
      const got = await store.get(`${ns}empty`);
      expect(got?.bytes.length).toBe(0);
      expect(got?.meta).toEqual({});
    });

    it('answers undefined for a missing key', async () => {
      expect(await store.get(`${ns}never-set`)).toBeUndefined();
    });

    it('overwrites an entry', async () => {
      await store.set(`${ns}k`, { bytes: Buffer.from('first'), meta: { v: '1' } });
      await store.set(`${ns}k`, { bytes: Buffer.from('second, longer'), meta: { v: '2' } });
      const got = await store.get(`${ns}k`);
      expect(got?.bytes.toString()).toBe('second, longer');
      expect(got?.meta).toEqual({ v: '2' });
    });

    it('holds a large (~5 MB) entry intact', async () => {
      const bytes = randomBytes(5 * 1024 * 1024 + 17);
      await store.set(`${ns}large`, { bytes, meta: { kind: 'pdf' } });
      const got = await store.get(`${ns}large`);
      expect(got?.bytes.length).toBe(bytes.length);
      expect(got?.bytes.equals(bytes)).toBe(true);
    });

    it('deletes an entry, and deleting a missing key is harmless', async () => {
      await store.set(`${ns}gone`, { bytes: Buffer.from('x'), meta: {} });
      await store.delete(`${ns}gone`);
      expect(await store.get(`${ns}gone`)).toBeUndefined();
      await expect(store.delete(`${ns}gone`)).resolves.toBeUndefined();
    });

    it('keeps keys with odd characters apart', async () => {
      const keys = [
        '../../../../etc/passwd',
        '..\\..\\windows\\system32',
        '/absolute/path',
        'ключ/🔑 with spaces\nand newline',
        'glob*?[chars]',
        'nul\u0000byte',
        'x'.repeat(500),
        'x'.repeat(499),
      ].map((key) => `${ns}${key}`);
      await Promise.all(keys.map((key, i) => store.set(key, { bytes: Buffer.from([i]), meta: { i: String(i) } })));
      for (const [i, key] of keys.entries()) {
        const got = await store.get(key);
        expect(got?.bytes).toEqual(Buffer.from([i]));
        expect(got?.meta).toEqual({ i: String(i) });
      }
    });

    it('answers ping when reachable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('closes, and closing twice is harmless', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}
