/**
 * Measures what opening one Notify Token Updated payload costs the main thread: mastercard-client-encryption
 * (node-forge, JavaScript), Node's synchronous crypto.privateDecrypt, and WebCrypto (what payload-decrypter.ts uses),
 * for a genuine 100-token payload and for an undecryptable one. Not a test; run by hand:
 *   npx node test/upstream/measure-ntu-decryption.ts
 * A synchronous decryption holds the main thread for its whole wall time; for WebCrypto, main-thread time is the event
 * loop's active time (performance.eventLoopUtilization) over the runs, the rest runs on libuv's threadpool.
 */
import { constants, createPrivateKey, privateDecrypt, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { createPayloadEncrypter, generateEncryptionKeyPair, libraryConfig } from '../../src/upstream/field-level-encryption.ts';
import { createPayloadDecrypter } from '../../src/upstream/payload-decrypter.ts';

const RUNS = 40;
const require = createRequire(import.meta.url);
const { FieldLevelEncryption } = require('mastercard-client-encryption') as {
  FieldLevelEncryption: new (config: Record<string, unknown>) => {
    crypto: { decryptData(data: string, iv: string, oaep: string, key: string): unknown };
  };
};

const keys = generateEncryptionKeyPair('measure');
const tokens = Array.from({ length: 100 }, (_, i) => ({
  tokenUniqueReference: `DWSPMC${String(i).padStart(26, '0')}`,
  status: 'ACTIVE',
  statusTimestamp: '2026-11-30T10:00:00.000Z',
  productConfig: { cardBackgroundAssetId: randomBytes(18).toString('hex'), issuerLogoAssetId: randomBytes(18).toString('hex'), foregroundColor: 'ffffff' },
  tokenInfo: { accountPanSuffix: '1234', tokenPanSuffix: '5678' },
}));
const payload = createPayloadEncrypter({ certificatePem: keys.certificatePem, oaepDigest: 'SHA512' }).encrypt({ tokens });
const junk = { ...payload, encryptedKey: randomBytes(256).toString('hex') };
const forge = new FieldLevelEncryption({ ...libraryConfig(keys.certificatePem, 'SHA512'), privateKey: keys.privateKeyPem }).crypto;
const native = createPayloadDecrypter({ keys: [keys] });
const privateKey = createPrivateKey(keys.privateKeyPem);

async function mainThreadMs(run: () => unknown, synchronous: boolean): Promise<{ mainMs: number; wallMs: number }> {
  await run(); // warm-up (JIT, WebCrypto key import)
  const before = performance.eventLoopUtilization();
  const start = performance.now();
  for (let i = 0; i < RUNS; i++) await run();
  const used = performance.eventLoopUtilization(before);
  const wallMs = (performance.now() - start) / RUNS;
  return { mainMs: synchronous ? wallMs : used.active / RUNS, wallMs };
}
const quietly = (run: () => unknown) => async () => {
  try {
    await run();
  } catch {
    // the undecryptable payload: its cost is what is measured
  }
};

console.log(`payload: ${tokens.length} tokens, encryptedData ${payload.encryptedData.length} hex characters; ${RUNS} runs each, one at a time`);
for (const [label, synchronous, run] of [
  ['node-forge (mastercard-client-encryption), genuine', true, () => forge.decryptData(payload.encryptedData, payload.iv, 'SHA512', payload.encryptedKey)],
  ['node-forge (mastercard-client-encryption), undecryptable', true, quietly(() => forge.decryptData(junk.encryptedData, junk.iv, 'SHA512', junk.encryptedKey))],
  ['crypto.privateDecrypt (RSA only, synchronous)', true, () =>
    privateDecrypt({ key: privateKey, oaepHash: 'sha512', padding: constants.RSA_PKCS1_OAEP_PADDING }, Buffer.from(payload.encryptedKey, 'hex'))],
  ['WebCrypto (payload-decrypter.ts), genuine', false, () => native.decrypt(payload)],
  ['WebCrypto (payload-decrypter.ts), undecryptable', false, quietly(() => native.decrypt(junk))],
] as const) {
  const { mainMs, wallMs } = await mainThreadMs(run, synchronous);
  console.log(`${label.padEnd(58)} main thread ${mainMs.toFixed(2).padStart(6)} ms   wall ${wallMs.toFixed(2).padStart(6)} ms`);
}
