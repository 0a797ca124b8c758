import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CARD, makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

let fixtures: ServiceFixtures;
let service: TestService;
/** Per request, whether the memory-hit fast path answered it. */
const answeredByFastPath: boolean[] = [];

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  service = await startTestService(fixtures.dir);
  const fastPath = service.app.locals.fastPath!;
  const original = fastPath.tryAnswer.bind(fastPath);
  fastPath.tryAnswer = (req, res) => {
    const answered = original(req, res);
    answeredByFastPath.push(answered);
    return answered;
  };
});

afterAll(async () => {
  await service?.close();
  await fixtures?.cleanup();
});

interface RawResponse {
  /** Status line and header lines exactly as sent, minus Date (which changes by the second). */
  head: string[];
  body: Buffer;
  fastPath: boolean;
}

/** One HTTP/1.1 request on its own socket; the response exactly as the bytes came. */
function rawRequest(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  const { port } = new URL(service.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split).toString('latin1').split('\r\n').filter((line) => !/^date:/i.test(line));
      resolve({ head, body: raw.subarray(split + 4), fastPath: answeredByFastPath.at(-1) ?? false });
    });
    const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...Object.entries(headers).map(([n, v]) => `${n}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

let variant = 0;
/** The same card under a URL the fast path has not seen (an extra ignored parameter): the express route answers. */
const routeUrl = (path: string) => `${path}&v=${variant++}`;

describe('memory-hit fast path', () => {
  const card = `/v1/card-art?${new URLSearchParams({ ...CARD, text: '•••• 4242', format: 'png' })}`;

  test('answers a remembered URL from memory with the same status, headers and body as the express route', async () => {
    const first = await rawRequest(card);
    expect(first.head[0]).toBe('HTTP/1.1 200 OK');
    expect(first.fastPath).toBe(false);
    const viaRoute = await rawRequest(routeUrl(card));
    expect(viaRoute.fastPath).toBe(false);
    const viaFastPath = await rawRequest(card);
    expect(viaFastPath.fastPath).toBe(true);
    expect(viaFastPath.head).toEqual(viaRoute.head);
    expect(viaFastPath.body.equals(viaRoute.body)).toBe(true);
    expect(viaFastPath.head).toEqual(expect.arrayContaining(['Content-Type: image/png', 'Cache-Control: public, max-age=31536000, immutable', 'X-Content-Type-Options: nosniff']));
    expect(viaFastPath.head.some((line) => /^ETag: "[0-9a-f]{64}"$/.test(line))).toBe(true);
  });

  test('304 on a matching If-None-Match, HEAD without a body, both as the route sends them', async () => {
    const etag = (await rawRequest(card)).head.find((line) => line.startsWith('ETag: '))!.slice('ETag: '.length);
    for (const [method, headers] of [
      ['GET', { 'If-None-Match': etag }],
      ['GET', { 'If-None-Match': `W/${etag}, "other"` }],
      ['GET', { 'If-None-Match': '*' }],
      ['HEAD', {}],
    ] as const) {
      const viaRoute = await rawRequest(routeUrl(card), headers, method);
      expect(viaRoute.fastPath).toBe(false);
      const viaFastPath = await rawRequest(card, headers, method);
      expect(viaFastPath.fastPath).toBe(true);
      expect(viaFastPath.head).toEqual(viaRoute.head);
      expect(viaFastPath.body.length).toBe(0);
      expect(viaFastPath.head[0]).toBe(method === 'HEAD' ? 'HTTP/1.1 200 OK' : 'HTTP/1.1 304 Not Modified');
    }
  });

  test('a negotiated format is remembered per Accept header and says Vary: Accept', async () => {
    const negotiated = `/v1/card-art?${new URLSearchParams({ ...CARD })}`;
    const webp = { Accept: 'image/webp,image/*' };
    await rawRequest(negotiated, webp);
    const viaRoute = await rawRequest(routeUrl(negotiated), webp);
    const viaFastPath = await rawRequest(negotiated, webp);
    expect(viaFastPath.fastPath).toBe(true);
    expect(viaFastPath.head).toEqual(viaRoute.head);
    expect(viaFastPath.head).toEqual(expect.arrayContaining(['Content-Type: image/webp', 'Vary: Accept']));
    // Another Accept header is not the remembered one: the route negotiates it.
    const png = await rawRequest(negotiated, { Accept: 'image/png' });
    expect(png.fastPath).toBe(false);
    expect(png.head).toContain('Content-Type: image/png');
    // Both Accept variants of the one URL are remembered side by side, and no Accept header is a third.
    const pngAgain = await rawRequest(negotiated, { Accept: 'image/png' });
    const webpAgain = await rawRequest(negotiated, webp);
    expect([pngAgain.fastPath, webpAgain.fastPath]).toEqual([true, true]);
    expect(pngAgain.head).toContain('Content-Type: image/png');
    expect(webpAgain.body.equals(viaFastPath.body)).toBe(true);
    const noAccept = await rawRequest(negotiated);
    expect(noAccept.fastPath).toBe(false);
    expect((await rawRequest(negotiated)).fastPath).toBe(true);
  });

  test('single assets too; invalid and unseen URLs always reach the route', async () => {
    const asset = '/v1/assets/issuer-bank?width=256&format=png';
    await rawRequest(asset);
    const viaRoute = await rawRequest(`/v1/assets/issuer-bank?format=png&width=256`);
    const viaFastPath = await rawRequest(asset);
    expect(viaFastPath.fastPath).toBe(true);
    expect(viaFastPath.head).toEqual(viaRoute.head);
    expect(viaFastPath.body.equals(viaRoute.body)).toBe(true);
    const invalid = await rawRequest('/v1/card-art?cardBackgroundAssetId=../x');
    expect(invalid.fastPath).toBe(false);
    expect(invalid.head[0]).toBe('HTTP/1.1 400 Bad Request');
    expect((await rawRequest('/v1/card-art?cardBackgroundAssetId=../x')).fastPath).toBe(false);
  });

  test('is not there while a rate limit is on (every hit must be counted by the limiter)', async () => {
    const limited = await startTestService(fixtures.dir, { RATE_LIMIT_PER_MINUTE: '100' });
    try {
      expect(limited.app.locals.fastPath).toBeUndefined();
    } finally {
      await limited.close();
    }
  });
});
