/** The simulator's Notify Token Updated sender against the service's decrypter: the real encryption both ways. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { ntuPayloadSchema, ntuRequestSchema } from '../../src/service/contract/token-schemas.ts';
import { createNtuSender, NTU_SEND_PATH } from '../../src/simulator/ntu-sender.ts';
import { certificateFingerprint, generateEncryptionKeyPair, OAEP_DIGESTS } from '../../src/upstream/field-level-encryption.ts';
import { createPayloadDecrypter } from '../../src/upstream/payload-decrypter.ts';

const keys = generateEncryptionKeyPair('ntu round trip');
const tokens = [
  {
    tokenUniqueReference: 'DWSPMC00000000000000000000000042',
    tokenRequestorId: '50110030273',
    status: 'ACTIVE',
    statusTimestamp: '2026-11-30T10:00:00.000Z',
    productConfig: { cardBackgroundCombinedAssetId: 'combined-card', foregroundColor: '000000', issuerName: 'Test Bank' },
    tokenInfo: { accountPanSuffix: '1881', tokenPanSuffix: '0042' },
  },
];

it.each(OAEP_DIGESTS)('posts {requestId, responseHost, encryptedPayload} that the service key opens (OAEP %s)', async (digest) => {
  let seen: { path: string | undefined; contentType: string | undefined; body: string } | undefined;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen = { path: req.url, contentType: req.headers['content-type'], body };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ responseHost: 'receiver', responseId: 'r-1' }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const sender = createNtuSender({ certificatePem: keys.certificatePem, oaepDigest: digest });
    const result = await sender.send(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, tokens, { requestId: 'req-42' });
    expect(result).toMatchObject({ status: 200, body: { responseHost: 'receiver', responseId: 'r-1' } });
    expect(seen?.path).toBe(NTU_SEND_PATH);
    expect(seen?.contentType).toBe('application/json');
    const request = ntuRequestSchema.parse(JSON.parse(seen!.body));
    expect(request.requestId).toBe('req-42');
    expect(request.encryptedPayload.oaepHashingAlgorithm).toBe(digest);
    expect(request.encryptedPayload.publicKeyFingerprint).toBe(certificateFingerprint(keys.certificatePem));
    // The clear tokens are nowhere in the request: its only fields are these (the ciphertext is hex, which cannot
    // hold JSON), and decoded from hex the ciphertext does not hold the token JSON either.
    expect(JSON.parse(seen!.body)).toStrictEqual({
      requestId: 'req-42',
      responseHost: 'card-art-simulator',
      encryptedPayload: {
        encryptedData: expect.stringMatching(/^[0-9a-f]+$/),
        iv: expect.stringMatching(/^[0-9a-f]{32}$/),
        encryptedKey: expect.stringMatching(/^[0-9a-f]+$/),
        publicKeyFingerprint: certificateFingerprint(keys.certificatePem),
        oaepHashingAlgorithm: digest,
      },
    });
    expect(seen!.body).not.toContain('"accountPanSuffix":"1881"');
    expect(Buffer.from(request.encryptedPayload.encryptedData, 'hex').includes('"accountPanSuffix":"1881"')).toBe(false);
    const clear = await createPayloadDecrypter({ keys: [keys] }).decrypt(request.encryptedPayload);
    expect(clear).toEqual({ tokens });
    expect(ntuPayloadSchema.parse(clear).tokens[0]?.tokenInfo).toEqual({ accountPanSuffix: '1881', tokenPanSuffix: '0042' });
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }
});
