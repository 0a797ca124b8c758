import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CARD, makeServiceFixtures, MERCHANT_RANGE, WALLET_RANGE, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

let fixtures: ServiceFixtures;
let service: TestService;

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  service = await startTestService(fixtures.dir);
});

afterAll(async () => {
  await service?.close();
  await fixtures?.cleanup();
});

const cardQuery = (extra: Record<string, string> = {}) => new URLSearchParams({ ...CARD, text: '•••• 4242', ...extra }).toString();

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await fetch(`${service.baseUrl}${path}`, { method, headers });
  const body = Buffer.from(await response.arrayBuffer());
  return { response, body, status: response.status, header: (name: string) => response.headers.get(name) };
}

async function post(path: string, json: unknown, raw?: string) {
  const response = await fetch(`${service.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(json),
  });
  const body = Buffer.from(await response.arrayBuffer());
  return { response, body, status: response.status, header: (name: string) => response.headers.get(name) };
}

function errorOf(body: Buffer): { code: string; message: string } {
  const parsed = JSON.parse(body.toString('utf8')) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(body.toString('utf8')).not.toMatch(/\n\s+at /);
  return parsed.error;
}

describe('GET /v1/card-art', () => {
  test('renders a PNG card with the image headers', async () => {
    const { status, body, header } = await get(`/v1/card-art?${cardQuery()}`);
    expect(status).toBe(200);
    expect(header('content-type')).toBe('image/png');
    expect(header('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(header('etag')).toMatch(/^"[^"]+"$/);
    expect(header('content-length')).toBe(String(body.length));
    expect(header('vary')).toBe('Accept');
    const meta = await sharp(body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1536, 969]);
  });

  test('an explicit format wins and needs no Vary', async () => {
    const { status, body, header } = await get(`/v1/card-art?${cardQuery({ format: 'webp', width: '384' })}`, {
      accept: 'image/avif',
    });
    expect(status).toBe(200);
    expect(header('content-type')).toBe('image/webp');
    expect(header('vary')).toBeNull();
    const meta = await sharp(body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 384, 242]);
  });

  test('negotiates avif > webp > png from Accept, only when listed', async () => {
    const q = cardQuery({ width: '128' });
    const avif = await get(`/v1/card-art?${q}`, { accept: 'image/avif,image/webp,*/*' });
    expect(avif.header('content-type')).toBe('image/avif');
    expect(avif.header('vary')).toBe('Accept');
    const webp = await get(`/v1/card-art?${q}`, { accept: 'image/webp,image/*;q=0.8' });
    expect(webp.header('content-type')).toBe('image/webp');
    const refused = await get(`/v1/card-art?${q}`, { accept: 'image/avif;q=0, image/png' });
    expect(refused.header('content-type')).toBe('image/png');
    const wildcard = await get(`/v1/card-art?${q}`, { accept: '*/*' });
    expect(wildcard.header('content-type')).toBe('image/png');
    expect(new Set([avif.header('etag'), webp.header('etag'), wildcard.header('etag')]).size).toBe(3);
  });

  test('304 on a matching If-None-Match: exact, in a list, weak, and *', async () => {
    const path = `/v1/card-art?${cardQuery({ width: '256' })}`;
    const first = await get(path);
    const etag = first.header('etag') as string;
    for (const ifNoneMatch of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
      const again = await get(path, { 'if-none-match': ifNoneMatch });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.header('etag')).toBe(etag);
      expect(again.header('cache-control')).toBe('public, max-age=31536000, immutable');
    }
    expect((await get(path, { 'if-none-match': '"nope"' })).status).toBe(200);
  });

  test('HEAD sends the headers and Content-Length without a body', async () => {
    const path = `/v1/card-art?${cardQuery({ width: '512' })}`;
    const full = await get(path);
    const head = await get(path, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.header('content-length')).toBe(String(full.body.length));
    expect(head.header('etag')).toBe(full.header('etag'));
  });

  test('a combined image and a co-branded card render', async () => {
    const combined = await get('/v1/card-art?cardBackgroundCombinedAssetId=combined-card&width=768');
    expect(combined.status).toBe(200);
    expect((await sharp(combined.body).metadata()).width).toBe(768);
    const cobrand = await get(`/v1/card-art?${cardQuery({ coBrandLogoAssetId: 'cobrand-shop', isCoBranded: 'true', width: '384' })}`);
    expect(cobrand.status).toBe(200);
  });

  test('refuses bad input with stable codes', async () => {
    const cases: Array<[string, number, string]> = [
      [`/v1/card-art?${cardQuery({ width: '500' })}`, 400, 'INVALID_WIDTH'],
      [`/v1/card-art?${cardQuery({ width: 'abc' })}`, 400, 'INVALID_WIDTH'],
      [`/v1/card-art?${cardQuery({ format: 'gif' })}`, 400, 'INVALID_FORMAT'],
      ['/v1/card-art?cardBackgroundAssetId=../etc/passwd', 400, 'INVALID_ASSET_ID'],
      ['/v1/card-art?issuerLogoAssetId=issuer-bank', 400, 'MISSING_BACKGROUND'],
      [`/v1/card-art?${cardQuery({ foregroundColor: 'red' })}`, 400, 'INVALID_FOREGROUND_COLOR'],
      [`/v1/card-art?${cardQuery({ text: 'x'.repeat(40) })}`, 400, 'INVALID_TEXT'],
      [`/v1/card-art?${cardQuery()}&width=384&width=768`, 400, 'INVALID_REQUEST'],
    ];
    for (const [path, status, code] of cases) {
      const result = await get(path);
      expect([path, result.status]).toEqual([path, status]);
      expect(errorOf(result.body).code).toBe(code);
    }
    const width = errorOf((await get(`/v1/card-art?${cardQuery({ width: '500' })}`)).body);
    expect(width.message).toContain('1536, 1152, 768, 512, 384, 256, 128');
  });

  test('an unknown asset is a 404 from upstream, remembered as unknown (one Get Asset call), never cached as a success', async () => {
    const first = await get('/v1/card-art?cardBackgroundAssetId=does-not-exist');
    expect(first.status).toBe(404);
    expect(errorOf(first.body).code).toMatch(/^[A-Z_]+$/);
    const again = await get('/v1/card-art?cardBackgroundAssetId=does-not-exist');
    expect(again.status).toBe(404);
    expect(errorOf(again.body).code).toBe(errorOf(first.body).code);
    expect(service.simulator.counts()['asset:does-not-exist']).toBe(1);
  });
});

describe('POST /v1/card-art', () => {
  test('renders the same image as the GET form', async () => {
    const viaGet = await get(`/v1/card-art?${cardQuery({ width: '384', format: 'png' })}`);
    const viaPost = await post('/v1/card-art', { productConfig: CARD, text: '•••• 4242', width: 384, format: 'png' });
    expect(viaPost.status).toBe(200);
    expect(viaPost.header('etag')).toBe(viaGet.header('etag'));
    expect(viaPost.body.equals(viaGet.body)).toBe(true);
  });

  test('maps body problems to INVALID_JSON, PAYLOAD_TOO_LARGE and INVALID_REQUEST', async () => {
    const broken = await post('/v1/card-art', undefined, '{"productConfig":');
    expect([broken.status, errorOf(broken.body).code]).toEqual([400, 'INVALID_JSON']);
    const huge = await post('/v1/card-art', { productConfig: CARD, padding: 'x'.repeat(70 * 1024) });
    expect([huge.status, errorOf(huge.body).code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const missing = await post('/v1/card-art', { text: 'hi' });
    expect([missing.status, errorOf(missing.body).code]).toEqual([400, 'INVALID_REQUEST']);
    const badWidth = await post('/v1/card-art', { productConfig: CARD, width: 1000 });
    expect([badWidth.status, errorOf(badWidth.body).code]).toEqual([400, 'INVALID_WIDTH']);
  });
});

describe('GET /v1/assets/:assetId', () => {
  test('serves one asset at natural aspect, with validators', async () => {
    const { status, body, header } = await get('/v1/assets/issuer-bank?width=384&format=png');
    expect(status).toBe(200);
    expect(header('content-type')).toBe('image/png');
    expect(header('vary')).toBeNull();
    const meta = await sharp(body).metadata();
    expect([meta.width, meta.height]).toEqual([384, 96]);
    expect((await get('/v1/assets/issuer-bank?width=384&format=png', { 'if-none-match': header('etag') as string })).status).toBe(304);
    const natural = await get('/v1/assets/brand-circles', { accept: 'image/webp' });
    expect(natural.header('content-type')).toBe('image/webp');
    expect(natural.header('vary')).toBe('Accept');
  });

  test('404 for an unknown asset, 400 for a bad ID or width', async () => {
    const unknown = await get('/v1/assets/no-such-asset');
    expect(unknown.status).toBe(404);
    const badId = await get('/v1/assets/bad%20id');
    expect([badId.status, errorOf(badId.body).code]).toEqual([400, 'INVALID_ASSET_ID']);
    const badWidth = await get('/v1/assets/issuer-bank?width=7');
    expect([badWidth.status, errorOf(badWidth.body).code]).toEqual([400, 'INVALID_WIDTH']);
  });
});

describe('Token Connect', () => {
  test('lists requestors with logo URLs, cached per normalized set of ranges', async () => {
    service.simulator.resetCounts();
    const first = await get(`/v1/token-requestors?accountRanges=${WALLET_RANGE},${MERCHANT_RANGE}`);
    expect(first.status).toBe(200);
    const list = JSON.parse(first.body.toString()) as { tokenRequestors: Array<{ name: string; logoUrl: string; tokenRequestorType: string }> };
    expect(list.tokenRequestors.map((r) => [r.name, r.tokenRequestorType, r.logoUrl])).toEqual([
      ['Demo Wallet Inc', 'WALLET', '/v1/token-requestor-assets/logo-wallet'],
      ['Demo Shop Ltd', 'MERCHANT', '/v1/token-requestor-assets/logo-merchant'],
    ]);
    const repeated = await get(`/v1/token-requestors?accountRanges=${MERCHANT_RANGE}&accountRanges=${WALLET_RANGE}`);
    expect(JSON.parse(repeated.body.toString())).toEqual(JSON.parse(first.body.toString()));
    expect(service.simulator.counts().tokenRequestors).toBe(1);
  });

  test('refuses bad account ranges', async () => {
    for (const query of ['', '?accountRanges=12', '?accountRanges=abcdefghij', `?accountRanges=${Array(26).fill(WALLET_RANGE).join(',')}`]) {
      const result = await get(`/v1/token-requestors${query}`);
      expect([query, result.status, errorOf(result.body).code]).toEqual([query, 400, 'INVALID_ACCOUNT_RANGES']);
    }
  });

  test('serves a safe SVG logo with a locked-down CSP', async () => {
    const { status, body, header } = await get('/v1/token-requestor-assets/logo-wallet?format=svg');
    expect(status).toBe(200);
    expect(header('content-type')).toBe('image/svg+xml');
    expect(header('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox; form-action 'none'");
    expect(header('content-disposition')).toBe('inline; filename=logo-wallet.svg');
    expect(header('x-content-type-options')).toBe('nosniff');
    expect(body.toString()).toContain('<svg');
    expect((await get('/v1/token-requestor-assets/logo-wallet?format=svg', { 'if-none-match': header('etag') as string })).status).toBe(304);
  });

  test('rasterizes a logo to PNG at an allowed size', async () => {
    for (const size of [48, 192]) {
      const { status, body, header } = await get(`/v1/token-requestor-assets/logo-wallet?format=png&size=${size}`);
      expect(status).toBe(200);
      expect(header('content-type')).toBe('image/png');
      expect(header('cache-control')).toBe('public, max-age=31536000, immutable');
      const meta = await sharp(body).metadata();
      expect([meta.width, meta.height]).toEqual([size, size]);
    }
    const pngOnly = await get('/v1/token-requestor-assets/logo-merchant?size=96');
    expect((await sharp(pngOnly.body).metadata()).width).toBe(96);
  });

  test('refuses unsafe SVG, missing SVG, bad size and bad format', async () => {
    const unsafe = await get('/v1/token-requestor-assets/logo-unsafe?format=svg');
    expect([unsafe.status, errorOf(unsafe.body).code]).toEqual([502, 'SVG_UNSAFE']);
    const noSvg = await get('/v1/token-requestor-assets/logo-merchant?format=svg');
    expect([noSvg.status, errorOf(noSvg.body).code]).toEqual([404, 'SVG_NOT_AVAILABLE']);
    const size = await get('/v1/token-requestor-assets/logo-wallet?size=50');
    expect([size.status, errorOf(size.body).code]).toEqual([400, 'INVALID_SIZE']);
    const format = await get('/v1/token-requestor-assets/logo-wallet?format=jpg');
    expect([format.status, errorOf(format.body).code]).toEqual([400, 'INVALID_FORMAT']);
  });
});

describe('POST /v1/product-configs', () => {
  test('pre-warms unseen assets in the background; a later render makes no upstream call', async () => {
    const config = { cardBackgroundAssetId: fixtures.spareBackgrounds[0], issuerLogoAssetId: 'cobrand-shop', brandLogoAssetId: 'brand-circles' };
    const first = await post('/v1/product-configs', [config]);
    expect(first.status).toBe(202);
    const result = JSON.parse(first.body.toString()) as { queued: string[]; alreadyCached: string[] };
    expect(result.queued).toContain(fixtures.spareBackgrounds[0]);
    expect(result.alreadyCached).toContain('brand-circles');
    await service.services.deps.prewarmer.idle();

    const again = await post('/v1/product-configs', config);
    const second = JSON.parse(again.body.toString()) as { queued: string[]; alreadyCached: string[] };
    expect(second.queued).toEqual([]);
    expect(second.alreadyCached.sort()).toEqual(Object.values(config).sort());

    service.simulator.resetCounts();
    const card = await get(`/v1/card-art?${new URLSearchParams(config)}`);
    expect(card.status).toBe(200);
    expect(service.simulator.counts().asset ?? 0).toBe(0);
  });

  test('validates every productConfig and bounds the list', async () => {
    const bad = await post('/v1/product-configs', [{ cardBackgroundAssetId: 'ok' }, { cardBackgroundAssetId: 'no way' }]);
    expect([bad.status, errorOf(bad.body).code]).toEqual([400, 'INVALID_ASSET_ID']);
    expect(errorOf(bad.body).message).toMatch(/^productConfigs\[1\]/);
    const tooMany = await post('/v1/product-configs', Array(101).fill({ cardBackgroundAssetId: 'bg-blue' }));
    expect([tooMany.status, errorOf(tooMany.body).code]).toEqual([400, 'INVALID_REQUEST']);
    const empty = await post('/v1/product-configs', []);
    expect(empty.status).toBe(400);
  });
});

describe('shared cold renders', () => {
  test('100 identical concurrent cold requests: one Get Asset per component and one render', async () => {
    const config = { cardBackgroundAssetId: fixtures.spareBackgrounds[1], issuerLogoAssetId: 'issuer-bank', brandLogoAssetId: 'brand-circles' };
    const metricsBefore = await renderCount();
    service.simulator.resetCounts();
    const path = `/v1/card-art?${new URLSearchParams({ ...config, text: '•••• 9999', width: '768' })}`;
    const results = await Promise.all(Array.from({ length: 100 }, () => get(path)));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(new Set(results.map((r) => r.header('etag'))).size).toBe(1);
    const counts = service.simulator.counts();
    expect(counts[`asset:${fixtures.spareBackgrounds[1]}`]).toBe(1);
    expect(counts['asset:issuer-bank'] ?? 0).toBeLessThanOrEqual(1);
    expect(counts['asset:brand-circles'] ?? 0).toBeLessThanOrEqual(1);
    expect((await renderCount()) - metricsBefore).toBe(1);
  });
});

async function renderCount(): Promise<number> {
  const text = (await get('/metrics')).body.toString();
  const match = /^card_art_render_duration_seconds_count\{kind="card"\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

describe('operations', () => {
  test('/healthz and /readyz', async () => {
    const health = await get('/healthz');
    expect([health.status, JSON.parse(health.body.toString())]).toEqual([200, { status: 'ok' }]);
    let ready = await get('/readyz');
    // The colour self-check runs once at start; on a busy machine it may still be running at the first /readyz.
    for (let tries = 0; tries < 100 && ready.body.toString().includes('COLOUR_CHECK_PENDING'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ready = await get('/readyz');
    }
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body.toString())).toMatchObject({
      status: 'ready',
      // colour: the rasterizer's start-up self-check drew the CMYK swatch with colour management.
      checks: { upstream: { status: 'ok' }, cache: { status: 'ok' }, renderer: { status: 'ok' }, colour: { status: 'ok' } },
    });
  });

  test('/metrics exposes requests, cache, upstream, renders, queue and process metrics', async () => {
    await get(`/v1/card-art?${cardQuery({ width: '128' })}`);
    const { status, body, header } = await get('/metrics');
    expect(status).toBe(200);
    expect(header('content-type')).toContain('text/plain');
    const text = body.toString();
    for (const needle of [
      'card_art_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/v1/card-art",status="200"}',
      'card_art_cache_hits_total{tier="memory"}',
      'card_art_cache_hits_total{tier="persistent"}',
      'card_art_cache_misses_total{tier="memory"}',
      'card_art_cache_misses_total{tier="persistent"}',
      'card_art_cache_errors_total{tier="memory"} 0',
      'card_art_cache_errors_total{tier="persistent"} 0',
      '# HELP card_art_cache_hits_total Cache hits per tier',
      '# HELP card_art_cache_misses_total Cache misses per tier',
      '# HELP card_art_cache_errors_total Cache tier errors (each one degraded to the next tier)',
      'card_art_cache_coalesced_waits_total',
      'card_art_upstream_calls_total{operation="asset"}',
      'card_art_render_duration_seconds_count{kind="card"}',
      'card_art_renders_total{kind="card"}',
      'card_art_layer_cache_bytes',
      'card_art_layer_cache_lookups_total{result="miss"}',
      'card_art_render_queue_length 0',
      'process_cpu_user_seconds_total',
    ]) {
      expect(text).toContain(needle);
    }
  });

  test('unknown routes are 404 NOT_FOUND JSON', async () => {
    const result = await get('/v2/nothing-here');
    expect([result.status, errorOf(result.body).code]).toEqual([404, 'NOT_FOUND']);
  });

  test('/openapi.json describes every endpoint and the error schema', async () => {
    const doc = JSON.parse((await get('/openapi.json')).body.toString()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/',
        '/healthz',
        '/metrics',
        '/readyz',
        '/v1/assets/{assetId}',
        '/v1/card-art',
        '/v1/product-configs',
        '/v1/pull-provisioning',
        '/v1/pull-provisioning/return-url',
        '/v1/push-provisioning',
        '/v1/push-provisioning/results',
        '/v1/token-requestor-assets/{assetId}',
        '/v1/token-requestors',
        '/digitization/1/0/notifyTokenUpdated',
        '/digitization/static/1/0/notifyTokenUpdated',
        '/v1/tokens',
        '/v1/tokens/{tokenUniqueReference}',
        '/v1/tokens/{tokenUniqueReference}/card-art',
      ].sort(),
    );
    expect(doc.components.schemas.Error).toBeDefined();
  });

  test('the demo page is served with a strict CSP, with its data', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.header('content-type')).toContain('text/html');
    expect(page.header('content-security-policy')).toContain("default-src 'none'");
    expect(page.header('content-security-policy')).toContain("script-src 'self'");
    expect(page.body.toString()).toContain('Manage cards');
    expect((await get('/app.js')).status).toBe(200);
    const cards = JSON.parse((await get('/demo/cards.json')).body.toString()) as unknown[];
    expect(cards).toHaveLength(3);
    const ranges = JSON.parse((await get('/demo/account-ranges.json')).body.toString()) as { accountRanges: string[] };
    expect(ranges.accountRanges.sort()).toEqual([MERCHANT_RANGE, WALLET_RANGE].sort());
  });
});
