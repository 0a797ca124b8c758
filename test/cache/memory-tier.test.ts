import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createMemoryTier, entrySize } from '../../src/cache/memory-tier.ts';
import { runCacheStoreContract } from './cache-store-contract.ts';

runCacheStoreContract('memory tier', () => createMemoryStore({ maxBytes: 64 * 1024 * 1024 }));

describe('memory tier byte bound', () => {
  it('never holds more bytes than its bound under a stream of distinct large entries', () => {
    const maxBytes = 10 * 1024 * 1024;
    const tier = createMemoryTier({ maxBytes });
    const chunk = randomBytes(700 * 1024);
    for (let i = 0; i < 200; i++) {
      tier.set(`asset:${i}`, { bytes: chunk, meta: { kind: 'png', width: '1', height: '1' } });
      expect(tier.bytes).toBeLessThanOrEqual(maxBytes);
    }
    // The most recent entries survive, the oldest were evicted.
    expect(tier.get('asset:199')).toBeDefined();
    expect(tier.get('asset:0')).toBeUndefined();
    expect(tier.entries).toBe(Math.floor(maxBytes / entrySize('asset:199', { bytes: chunk, meta: { kind: 'png', width: '1', height: '1' } })));
  });

  it('counts meta and key in the size, and refuses an entry larger than the whole bound', () => {
    const tier = createMemoryTier({ maxBytes: 4096 });
    tier.set('small', { bytes: Buffer.alloc(100), meta: { kind: 'svg' } });
    expect(tier.bytes).toBe(entrySize('small', { bytes: Buffer.alloc(100), meta: { kind: 'svg' } }));
    expect(tier.bytes).toBeGreaterThan(100);
    tier.set('huge', { bytes: Buffer.alloc(8192), meta: {} });
    expect(tier.get('huge')).toBeUndefined();
    expect(tier.get('small')).toBeDefined();
  });

  it('evicts the least recently used entry first', () => {
    const entry = { bytes: Buffer.alloc(1000), meta: {} };
    const tier = createMemoryTier({ maxBytes: entrySize('a', entry) * 3 });
    tier.set('a', entry);
    tier.set('b', entry);
    tier.set('c', entry);
    tier.get('a');
    tier.set('d', entry);
    expect(tier.get('b')).toBeUndefined();
    expect(tier.get('a')).toBeDefined();
  });
});
