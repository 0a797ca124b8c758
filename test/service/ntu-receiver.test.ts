/**
 * The Notify Token Updated receiver without HTTP, with the real decrypter, token records and pre-warmer over a memory
 * store: what is refused before any store or RSA work, and the bound on decryptions in flight.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { CacheStore } from '../../src/cache/cache-types.ts';
import { createMemoryStore } from '../../src/cache/memory-tier.ts';
import { createAssetPrewarmer } from '../../src/service/asset-prewarmer.ts';
import { createNtuReceiver } from '../../src/service/ntu-receiver.ts';
import { createHandledRequests, createTokenRecords } from '../../src/service/token-records.ts';
import { createPayloadEncrypter, generateEncryptionKeyPair } from '../../src/upstream/field-level-encryption.ts';
import { createPayloadDecrypter, type PayloadDecrypter } from '../../src/upstream/payload-decrypter.ts';

const log = pino({ level: 'silent' });
const keys = generateEncryptionKeyPair('receiver test');
const encrypter = createPayloadEncrypter({ certificatePem: keys.certificatePem, oaepDigest: 'SHA512' });

function notification(ref: string) {
  return {
    requestId: `req-${ref}`,
    encryptedPayload: encrypter.encrypt({ tokens: [{ tokenUniqueReference: ref, status: 'ACTIVE', statusTimestamp: '2026-11-30T10:00:00.000Z' }] }),
  };
}

/** A memory store that counts the calls made to it. */
function countingStore(): CacheStore & { calls: number } {
  const inner = createMemoryStore({ maxBytes: 1 << 20 });
  const store = {
    calls: 0,
    name: inner.name,
    get: (key: string) => ((store.calls += 1), inner.get(key)),
    set: (...args: Parameters<CacheStore['set']>) => ((store.calls += 1), inner.set(...args)),
    delete: (key: string) => ((store.calls += 1), inner.delete(key)),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return store;
}

function receiverWith(store: CacheStore, decrypter: PayloadDecrypter, bounds: { decryptionsRunning?: number; decryptionsQueued?: number } = {}) {
  const prewarmer = createAssetPrewarmer({ isCached: async () => true, load: async () => undefined, log });
  return createNtuReceiver({
    decrypter,
    records: createTokenRecords({ store }),
    handled: createHandledRequests({ store }),
    prewarmer,
    log,
    ...bounds,
  });
}

describe('createNtuReceiver', () => {
  it('refuses an unknown key (503) or a malformed envelope (400) without touching the store', async () => {
    const store = countingStore();
    const receiver = receiverWith(store, createPayloadDecrypter({ keys: [keys] }));
    const stranger = createPayloadEncrypter({ certificatePem: generateEncryptionKeyPair('stranger').certificatePem, oaepDigest: 'SHA512' });
    await expect(receiver.receive({ requestId: 'r1', encryptedPayload: stranger.encrypt({ tokens: [] }) })).rejects.toMatchObject({
      status: 503,
      code: 'NTU_KEY_UNKNOWN',
      retryAfterSeconds: 60,
    });
    const { publicKeyFingerprint: _, ...unnamed } = notification('DWSPMC00000000NONAME').encryptedPayload;
    await expect(receiver.receive({ requestId: 'r2', encryptedPayload: unnamed })).rejects.toMatchObject({ status: 400, code: 'INVALID_NOTIFICATION' });
    expect(store.calls).toBe(0);
    // A genuine one goes on to the store (requestId, payload digest, the record, and remembering both).
    await expect(receiver.receive(notification('DWSPMC00000000GOOD'))).resolves.toMatchObject({ duplicate: false, applied: 1 });
    expect(store.calls).toBeGreaterThan(0);
  });

  it(`bounds decryptions in flight: beyond those running and waiting, 503 NTU_OVERLOADED with Retry-After`, async () => {
    const real = createPayloadDecrypter({ keys: [keys] });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The real decrypter, held at its start so that decryptions stay in flight for the test.
    const decrypter: PayloadDecrypter = { ...real, check: (p) => real.check(p), decrypt: async (p) => (await held, real.decrypt(p)) };
    const receiver = receiverWith(createMemoryStore({ maxBytes: 1 << 20 }), decrypter, { decryptionsRunning: 1, decryptionsQueued: 1 });
    const running = receiver.receive(notification('DWSPMC0000000001'));
    const waiting = receiver.receive(notification('DWSPMC0000000002'));
    await expect(receiver.receive(notification('DWSPMC0000000003'))).rejects.toMatchObject({ status: 503, code: 'NTU_OVERLOADED', retryAfterSeconds: 1 });
    release();
    await expect(running).resolves.toMatchObject({ applied: 1 });
    await expect(waiting).resolves.toMatchObject({ applied: 1 });
    // Once they are done there is room again.
    await expect(receiver.receive(notification('DWSPMC0000000003'))).resolves.toMatchObject({ applied: 1 });
  });
});
