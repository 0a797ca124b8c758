/**
 * Measures the Redis tier's value encoding: our raw binary frames against keyv's default JSON
 * serialization (Buffers as base64 inside JSON). Not a test; run by hand against a local Redis:
 *   npx node test/cache/measure-redis-encoding.ts [redis://127.0.0.1:6379]
 * Results are recorded in src/cache/README.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createClient, createKeyv } from '@keyv/redis';
import { createRedisStore } from '../../src/cache/redis-store.ts';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const prefix = `card-art-measure:${randomUUID()}:`;
const ROUNDS = 20;

const framed = createRedisStore(url, { prefix: `${prefix}frame:` });
const jsonKeyv = createKeyv(url, { namespace: `${prefix}json`, throwOnErrors: true });
const admin = createClient({ url });
await admin.connect();

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) await run();
  return (performance.now() - start) / ROUNDS;
}

for (const size of [20 * 1024, 300 * 1024, 5 * 1024 * 1024]) {
  const entry = { bytes: randomBytes(size), meta: { kind: 'png', width: '1536', height: '969' } };
  // Warm up both paths (connections, JIT) before timing.
  for (let i = 0; i < 5; i++) {
    await framed.set('k', entry);
    await framed.get('k');
    await jsonKeyv.set('k', entry);
    await jsonKeyv.get('k');
  }
  const frameBytes = await admin.strLen(`${prefix}frame:k`);
  const jsonBytes = await admin.strLen(`${prefix}json::k`);
  const frameSet = await time(() => framed.set('k', entry));
  const jsonSet = await time(() => jsonKeyv.set('k', entry));
  const frameGet = await time(() => framed.get('k'));
  const jsonGet = await time(async () => {
    const got = (await jsonKeyv.get('k')) as { bytes: Buffer };
    if (!Buffer.isBuffer(got.bytes)) throw new Error('json round trip lost the Buffer');
  });
  console.log(
    `${(size / 1024).toFixed(0).padStart(5)} KiB | stored: frame ${frameBytes} B, json ${jsonBytes} B (+${(((jsonBytes - frameBytes) / frameBytes) * 100).toFixed(0)}%)` +
      ` | set ms: frame ${frameSet.toFixed(2)}, json ${jsonSet.toFixed(2)} | get ms: frame ${frameGet.toFixed(2)}, json ${jsonGet.toFixed(2)}`,
  );
}

const keys = await admin.keys(`${prefix}*`);
if (keys.length > 0) await admin.del(keys);
await admin.close();
await framed.close();
await jsonKeyv.disconnect();
