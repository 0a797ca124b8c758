/**
 * A seeded corpus of hostile inputs for the HTTP API: bad requests, and bad assets written into a folder in the
 * simulator format (DESIGN §4) at test time. Same seed, same corpus; nothing large is committed.
 */
import { writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import {
  handWrittenPdf,
  makeEncryptedLookingPdf,
  makeJavaScriptPdf,
  makePdfWithMediaBox,
  makeVectorPdf,
  truncatePdf,
} from '../support/pdf-fixtures.ts';

/** 'reject': must be a 4xx or 502 error. 'reject-or-render': hostile but drawable (scripts ignored, bytes sniffed): an error or a valid image. */
export type CaseExpectation = 'reject' | 'reject-or-render';

export interface CorpusRequest {
  method: 'GET' | 'POST';
  /** Path and query, sent verbatim (already percent-encoded where meant to be). */
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

export interface CorpusCase {
  name: string;
  category: string;
  expect: CaseExpectation;
  request: CorpusRequest;
  /** Files (name inside the asset folder -> content) this case needs. */
  files: Record<string, Buffer | string>;
  /** The asset ID that the cure replaces with a good asset; absent when the request itself is bad. */
  cureAssetId?: string;
}

export const GOOD_BACKGROUND_ID = 'hardening-good-background';
export const GOOD_LOGO_ID = 'hardening-good-logo';
/** The colour of the cure asset, to tell it apart from anything a failed load might have left behind. */
export const CURE_COLOR = { r: 20, g: 160, b: 90 };

/** mulberry32: small, fast and good enough to pick mutations reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rng {
  next(): number;
  int(min: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Buffer;
}

function rng(seed: number): Rng {
  const next = seededRandom(seed);
  const int = (min: number, maxInclusive: number) => min + Math.floor(next() * (maxInclusive - min + 1));
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    bytes: (length) => Buffer.from(Array.from({ length }, () => int(0, 255))),
  };
}

/** A card-shaped (320x202) opaque PNG in CURE_COLOR: a valid background and a valid logo. */
export function makeCurePng(): Promise<Buffer> {
  return solidPng(320, 202, { ...CURE_COLOR, alpha: 1 });
}

function solidPng(width: number, height: number, background: { r: number; g: number; b: number; alpha: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background } }).png().toBuffer();
}

/** A PNG written chunk by chunk (valid CRCs), so its IHDR may declare any size. */
export function makeRawPng(width: number, height: number, idatPayload: Buffer, bitDepth = 8, colorType = 6): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idatPayload),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** A PDF whose page content is `depth` nested save/restore pairs around one rectangle. */
async function makeNestedOperatorPdf(depth: number): Promise<Buffer> {
  const content = `${'q '.repeat(depth)}1 0 0 rg 10 10 50 50 re f ${'Q '.repeat(depth)}`;
  return handWrittenPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 126] /Contents 4 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ]);
}

const GOOD_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="126" viewBox="0 0 200 126"><rect width="200" height="126" fill="#3060c0"/><circle cx="100" cy="63" r="40" fill="#ffcc00"/></svg>';

const HOSTILE_SVGS: Array<[name: string, svg: string]> = [
  ['script', '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"><script>fetch("http://127.0.0.1:9/")</script><rect width="100" height="63"/></svg>'],
  ['xlink-file', '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="63"><image xlink:href="file:///etc/passwd" width="100" height="63"/></svg>'],
  ['href-http', '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"><image href="http://169.254.169.254/latest/meta-data/" width="100" height="63"/></svg>'],
  ['use-external', '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="63"><use xlink:href="http://127.0.0.1:9/evil.svg#x"/></svg>'],
  ['billion-laughs', `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;"><!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]><svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"><text y="20">&i;</text></svg>`],
  ['external-entity', '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"><text y="20">&xxe;</text></svg>'],
  ['doctype-external', '<?xml version="1.0"?><!DOCTYPE svg SYSTEM "http://127.0.0.1:9/evil.dtd"><svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"/>'],
  ['foreign-object', '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"><foreignObject width="100" height="63"><iframe xmlns="http://www.w3.org/1999/xhtml" src="file:///etc/passwd"/></foreignObject></svg>'],
  ['onload', '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="63" onload="alert(1)"><rect width="100" height="63"/></svg>'],
  ['css-url', '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"><rect width="100" height="63" style="fill:url(http://127.0.0.1:9/x)"/></svg>'],
  ['css-import', '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"><style>@import url(file:///etc/passwd);</style><rect width="100" height="63"/></svg>'],
  ['xml-stylesheet', '<?xml-stylesheet href="http://127.0.0.1:9/x.css"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"/>'],
  ['huge-declared-size', '<svg xmlns="http://www.w3.org/2000/svg" width="200000" height="200000"><rect width="10" height="10"/></svg>'],
  ['zero-size', '<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>'],
  ['no-size', '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="10"/></svg>'],
  ['unterminated', '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="63"><rect width="100"'],
  ['negative-size', '<svg xmlns="http://www.w3.org/2000/svg" width="-100" height="-63"/>'],
];

type AssetRoute = (assetId: string) => CorpusRequest;

/** The ways a bad asset reaches the renderer: alone, as a card background, as each kind of logo. */
const ASSET_ROUTES: readonly AssetRoute[] = [
  (id) => ({ method: 'GET', path: `/v1/assets/${id}?width=128&format=png` }),
  (id) => ({ method: 'GET', path: `/v1/assets/${id}?format=webp` }),
  (id) => ({ method: 'GET', path: `/v1/card-art?cardBackgroundAssetId=${id}&width=256` }),
  (id) => ({ method: 'GET', path: `/v1/card-art?cardBackgroundCombinedAssetId=${id}&width=128` }),
  (id) => ({ method: 'GET', path: `/v1/card-art?cardBackgroundAssetId=${GOOD_BACKGROUND_ID}&issuerLogoAssetId=${id}&width=256` }),
  (id) => ({ method: 'GET', path: `/v1/card-art?cardBackgroundAssetId=${GOOD_BACKGROUND_ID}&brandLogoAssetId=${id}&width=128` }),
  (id) => ({
    method: 'POST',
    path: '/v1/card-art',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      productConfig: { cardBackgroundAssetId: GOOD_BACKGROUND_ID, issuerLogoAssetId: GOOD_LOGO_ID, coBrandLogoAssetId: id, isCoBranded: true },
      width: 256,
    }),
  }),
];

function getAssetBody(entries: Array<{ type: string; data: string; width?: string; height?: string }>): string {
  return JSON.stringify({ mediaContents: entries });
}

/** Builds the whole corpus: hand-written cases plus `fuzzCount` seeded mutations. */
export async function buildBadInputCorpus(seed: number, fuzzCount = 140): Promise<CorpusCase[]> {
  const random = rng(seed);
  const cases: CorpusCase[] = [];
  let serial = 0;
  const nextId = (label: string) => `bad-${String(++serial).padStart(4, '0')}-${label}`.slice(0, 64);

  const requestCase = (category: string, name: string, request: CorpusRequest) =>
    cases.push({ category, name, expect: 'reject', request, files: {} });
  const assetCase = (
    category: string,
    name: string,
    file: { extension: 'png' | 'pdf' | 'svg' | 'json'; content: Buffer | string },
    expect: CaseExpectation = 'reject',
    route: AssetRoute = random.pick(ASSET_ROUTES),
  ) => {
    const id = nextId(name);
    cases.push({ category, name: id, expect, request: route(id), files: { [`${id}.${file.extension}`]: file.content }, cureAssetId: id });
  };

  const goodPng = await solidPng(200, 126, { r: 200, g: 30, b: 30, alpha: 0.8 });
  const goodPdf = await makeVectorPdf({ widthPt: 200, heightPt: 126, shapes: [{ x: 10, y: 10, w: 100, h: 60, color: '#2040a0' }] });

  // --- Bad requests: asset IDs. ---
  const badIds: Array<[string, string]> = [
    ['dot-dot-slash', '..%2F..%2Fetc%2Fpasswd'],
    ['dot-dot-encoded', '%2e%2e'],
    ['dot-dot-double-encoded', '%252e%252e%252fetc%252fpasswd'],
    ['dot-dot-backslash', '..%5C..%5Cwindows'],
    ['nul', 'abc%00def'],
    ['nul-only', '%00'],
    ['65-chars', 'a'.repeat(65)],
    ['1000-chars', 'b'.repeat(1000)],
    ['non-ascii-latin', 'caf%C3%A9'],
    ['non-ascii-emoji', '%F0%9F%92%B3'],
    ['non-ascii-cyrillic', '%D0%BA%D0%B0%D1%80%D1%82%D0%B0'],
    ['invalid-utf8', '%FF%FE'],
    ['broken-percent', '%E0%A4%A'],
    ['space', 'a%20b'],
    ['dot', '.'],
    ['semicolon', 'a;b'],
    ['newline', 'a%0D%0ASet-Cookie:x=1'],
  ];
  for (const [name, id] of badIds) {
    requestCase('asset-id', `asset-path-${name}`, { method: 'GET', path: `/v1/assets/${id}` });
    requestCase('asset-id', `card-query-${name}`, { method: 'GET', path: `/v1/card-art?cardBackgroundAssetId=${id}` });
  }
  requestCase('asset-id', 'token-requestor-asset-dot-dot', { method: 'GET', path: '/v1/token-requestor-assets/..%2F..%2Fetc%2Fpasswd' });
  requestCase('asset-id', 'token-requestor-asset-65-chars', { method: 'GET', path: `/v1/token-requestor-assets/${'c'.repeat(65)}` });
  requestCase('asset-id', 'post-id-number', {
    method: 'POST',
    path: '/v1/card-art',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ productConfig: { cardBackgroundAssetId: 12345 } }),
  });
  requestCase('asset-id', 'post-id-traversal', {
    method: 'POST',
    path: '/v1/card-art',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ productConfig: { cardBackgroundAssetId: '../../etc/passwd' } }),
  });

  // --- Bad requests: colours, widths, formats, text, repeated parameters. ---
  const card = `/v1/card-art?cardBackgroundAssetId=${GOOD_BACKGROUND_ID}`;
  for (const color of ['fff', 'ggg000', '1234567', '12345', '%00', 'rgb(0%2C0%2C0)', '-1', '0x0000', '%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90%EF%BC%90']) {
    requestCase('colour', `colour-${color.slice(0, 20)}`, { method: 'GET', path: `${card}&foregroundColor=${color}` });
  }
  for (const width of ['0', '-1', '1', '1537', '99999', '1e3', 'abc', '1536.0', '%201536', '4294967297', '']) {
    if (width === '') continue;
    requestCase('width', `card-width-${width}`, { method: 'GET', path: `${card}&width=${width}` });
    requestCase('width', `asset-width-${width}`, { method: 'GET', path: `/v1/assets/${GOOD_LOGO_ID}?width=${width}` });
  }
  for (const format of ['gif', 'jpeg', 'PNG%00', 'svg', '../png']) {
    requestCase('format', `format-${format}`, { method: 'GET', path: `${card}&format=${format}` });
  }
  requestCase('repeat', 'repeated-width', { method: 'GET', path: `${card}&width=256&width=128` });
  requestCase('repeat', 'repeated-format', { method: 'GET', path: `${card}&format=png&format=webp` });
  requestCase('repeat', 'repeated-background', { method: 'GET', path: `${card}&cardBackgroundAssetId=${GOOD_LOGO_ID}` });
  requestCase('repeat', 'array-syntax', { method: 'GET', path: `/v1/card-art?cardBackgroundAssetId[]=${GOOD_BACKGROUND_ID}` });
  requestCase('repeat', 'object-syntax', { method: 'GET', path: `/v1/card-art?cardBackgroundAssetId[a]=${GOOD_BACKGROUND_ID}` });
  requestCase('text', 'text-too-long', { method: 'GET', path: `${card}&text=${'9'.repeat(5000)}` });
  requestCase('text', 'text-control-chars', { method: 'GET', path: `${card}&text=%1B%5B31m1234` });
  requestCase('text', 'text-nul', { method: 'GET', path: `${card}&text=12%0034` });
  requestCase('request', 'no-background', { method: 'GET', path: `/v1/card-art?issuerLogoAssetId=${GOOD_LOGO_ID}` });
  requestCase('request', 'no-parameters', { method: 'GET', path: '/v1/card-art' });
  requestCase('request', 'is-co-branded-nonsense', { method: 'GET', path: `${card}&isCoBranded=maybe` });

  // --- Bad request bodies. ---
  const post = (name: string, body: string | Buffer, contentType = 'application/json') =>
    requestCase('body', name, { method: 'POST', path: '/v1/card-art', headers: { 'content-type': contentType }, body });
  post('body-not-json', '{"productConfig": {');
  post('body-array', '[1,2,3]');
  post('body-null', 'null');
  post('body-string', '"productConfig"');
  post('body-product-config-null', '{"productConfig":null}');
  post('body-product-config-array', '{"productConfig":[]}');
  post('body-deep-nesting', `{"productConfig":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  post('body-huge', `{"productConfig":{"cardBackgroundAssetId":"${'x'.repeat(3 * 1024 * 1024)}"}}`);
  post('body-proto-pollution', `{"productConfig":{"__proto__":{"cardBackgroundAssetId":"${GOOD_BACKGROUND_ID}"}}}`);
  post('body-text-object', JSON.stringify({ productConfig: { cardBackgroundAssetId: GOOD_BACKGROUND_ID }, text: { a: 1 } }));
  post('body-width-string-huge', JSON.stringify({ productConfig: { cardBackgroundAssetId: GOOD_BACKGROUND_ID }, width: 1e9 }));
  post('body-latin1-charset', Buffer.from('{"productConfig":{}}'), 'application/json; charset=utf-7');
  post('body-bad-utf8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
  requestCase('body', 'product-configs-not-json', {
    method: 'POST',
    path: '/v1/product-configs',
    headers: { 'content-type': 'application/json' },
    body: '{{{',
  });
  requestCase('body', 'product-configs-bad-ids', {
    method: 'POST',
    path: '/v1/product-configs',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ cardBackgroundAssetId: '../../x' }, { brandLogoAssetId: 'é' }]),
  });
  for (const ranges of ['abc', '12345678', '1'.repeat(20), Array.from({ length: 26 }, (_, i) => String(500000000 + i)).join(',')]) {
    requestCase('token-connect', `account-ranges-${ranges.slice(0, 12)}`, {
      method: 'GET',
      path: `/v1/token-requestors?accountRanges=${ranges}`,
    });
  }
  requestCase('token-connect', 'account-ranges-missing', { method: 'GET', path: '/v1/token-requestors' });

  // --- Bad Get Asset bodies (the upstream's JSON). ---
  const pngBase64 = goodPng.toString('base64');
  const jsonBodies: Array<[string, string, CaseExpectation?]> = [
    ['json-not-json', '<html><body>502 Bad Gateway</body></html>'],
    ['json-empty', ''],
    ['json-null', 'null'],
    ['json-array', '[]'],
    ['json-string', '"mediaContents"'],
    ['json-no-media', '{}'],
    ['json-media-empty', '{"mediaContents":[]}'],
    ['json-media-string', '{"mediaContents":"AAAA"}'],
    ['json-media-nulls', '{"mediaContents":[null,null]}'],
    ['json-data-number', '{"mediaContents":[{"type":"image/png","data":12345}]}'],
    ['json-data-missing', '{"mediaContents":[{"type":"image/png"}]}'],
    ['json-data-empty', getAssetBody([{ type: 'image/png', data: '' }])],
    ['json-base64-garbage', getAssetBody([{ type: 'image/png', data: '!!!! not base64 at all ####' }])],
    ['json-base64-url-alphabet', getAssetBody([{ type: 'image/png', data: pngBase64.replaceAll('+', '-').replaceAll('/', '_') }]), 'reject-or-render'],
    ['json-base64-whitespace', getAssetBody([{ type: 'image/png', data: pngBase64.replace(/(.{60})/g, '$1\n') }]), 'reject-or-render'],
    ['json-base64-random', getAssetBody([{ type: 'image/png', data: random.bytes(3000).toString('base64') }])],
    ['json-type-unknown', getAssetBody([{ type: 'image/gif', data: Buffer.from('GIF89a\x01\x00\x01\x00').toString('base64') }])],
    ['json-lie-png-is-html', getAssetBody([{ type: 'image/png', data: Buffer.from('<html><script>alert(1)</script></html>').toString('base64') }])],
    ['json-lie-png-is-elf', getAssetBody([{ type: 'image/png', data: Buffer.concat([Buffer.from('\x7fELF'), random.bytes(500)]).toString('base64') }])],
    ['json-lie-pdf-is-zip', getAssetBody([{ type: 'application/pdf', data: Buffer.concat([Buffer.from('PK\x03\x04'), random.bytes(500)]).toString('base64') }])],
    ['json-lie-png-is-hostile-svg', getAssetBody([{ type: 'image/png', data: Buffer.from(HOSTILE_SVGS[0]![1]).toString('base64') }])],
    ['json-lie-svg-is-truncated-png', getAssetBody([{ type: 'image/svg+xml', data: goodPng.subarray(0, 60).toString('base64') }])],
    ['json-lie-pdf-is-good-png', getAssetBody([{ type: 'application/pdf', data: pngBase64 }]), 'reject-or-render'],
    ['json-lie-png-is-good-pdf', getAssetBody([{ type: 'image/png', data: goodPdf.toString('base64') }]), 'reject-or-render'],
    ['json-misspelt-pdf-type', getAssetBody([{ type: 'applicatoin/pdf', data: goodPdf.toString('base64') }]), 'reject-or-render'],
    ['json-sizes-absurd', getAssetBody([{ type: 'image/png', data: pngBase64, width: '-1', height: '1e309' }]), 'reject-or-render'],
    ['json-sizes-huge', getAssetBody([{ type: 'image/png', data: pngBase64, width: '100000', height: '100000' }]), 'reject-or-render'],
    ['json-many-garbage-entries', getAssetBody(Array.from({ length: 500 }, () => ({ type: 'image/png', data: 'AAAA' })))],
    ['json-proto-key', `{"__proto__":{"mediaContents":[{"type":"image/png","data":"${pngBase64}"}]}}`],
  ];
  for (const [name, body, expect] of jsonBodies) assetCase('get-asset-body', name, { extension: 'json', content: body }, expect ?? 'reject');
  // Just over the upstream response bound (20 MB), as base64 of zeros so the file compresses to nothing in the page cache.
  assetCase('get-asset-body', 'json-oversized', {
    extension: 'json',
    content: getAssetBody([{ type: 'image/png', data: 'A'.repeat(21 * 1024 * 1024) }]),
  });
  // An asset the upstream does not know (no file): 404, and still not remembered once it appears.
  {
    const id = nextId('unknown');
    cases.push({ category: 'get-asset-body', name: 'unknown-asset', expect: 'reject', request: ASSET_ROUTES[0]!(id), files: {}, cureAssetId: id });
  }

  // --- Bad PNGs. ---
  assetCase('png', 'png-100000x100000', { extension: 'png', content: makeRawPng(100_000, 100_000, deflateSync(Buffer.alloc(1000))) });
  assetCase('png', 'png-0x0', { extension: 'png', content: makeRawPng(0, 0, deflateSync(Buffer.alloc(10))) });
  assetCase('png', 'png-2e31-wide', { extension: 'png', content: makeRawPng(0x80000000, 1, deflateSync(Buffer.alloc(10))) });
  // 8000x8000 1-bit grey: 64 MP behind ~8 KB of deflate (a decompression bomb above the pixel bound).
  assetCase('png', 'png-bomb-64mp', {
    extension: 'png',
    content: makeRawPng(8000, 8000, deflateSync(Buffer.alloc(8000 * 1001), { level: 9 }), 1, 0),
  });
  assetCase('png', 'png-signature-only', { extension: 'png', content: goodPng.subarray(0, 8) });
  assetCase('png', 'png-no-idat', { extension: 'png', content: Buffer.concat([goodPng.subarray(0, 33), pngChunk('IEND', Buffer.alloc(0))]) });
  assetCase('png', 'png-idat-garbage', { extension: 'png', content: makeRawPng(64, 40, random.bytes(400)) });
  assetCase('png', 'png-idat-short', { extension: 'png', content: makeRawPng(64, 40, deflateSync(Buffer.alloc(100))) });
  assetCase('png', 'png-bad-bit-depth', { extension: 'png', content: makeRawPng(64, 40, deflateSync(Buffer.alloc(40 * 257)), 7, 6) });
  assetCase('png', 'png-bad-ihdr-crc', {
    extension: 'png',
    content: (() => {
      const copy = Buffer.from(goodPng);
      copy[29] ^= 0xff;
      return copy;
    })(),
  });

  // --- Bad PDFs. ---
  assetCase('pdf', 'pdf-truncated-half', { extension: 'pdf', content: truncatePdf(goodPdf, 0.5) });
  assetCase('pdf', 'pdf-header-only', { extension: 'pdf', content: '%PDF-1.7\n' });
  assetCase('pdf', 'pdf-header-then-garbage', { extension: 'pdf', content: Buffer.concat([Buffer.from('%PDF-1.4\n'), random.bytes(4000)]) });
  assetCase('pdf', 'pdf-encrypted', { extension: 'pdf', content: makeEncryptedLookingPdf() });
  assetCase('pdf', 'pdf-page-0x0', { extension: 'pdf', content: await makePdfWithMediaBox('0 0 0 0') });
  assetCase('pdf', 'pdf-page-200000', { extension: 'pdf', content: await makePdfWithMediaBox('0 0 200000 200000') });
  // Corners in any order make a valid rectangle (PDF 32000 §7.9.5), so this one may render as 100x100.
  assetCase('pdf', 'pdf-page-negative', { extension: 'pdf', content: await makePdfWithMediaBox('0 0 -100 -100') }, 'reject-or-render');
  // pdf.js replaces an unreadable MediaBox by US Letter; refusing is as good.
  assetCase('pdf', 'pdf-page-nan', { extension: 'pdf', content: await makePdfWithMediaBox('0 0 abc def') }, 'reject-or-render');
  assetCase('pdf', 'pdf-page-1e30', { extension: 'pdf', content: await makePdfWithMediaBox('0 0 1e30 1e30') }, 'reject-or-render');
  assetCase('pdf', 'pdf-nested-q-5000', { extension: 'pdf', content: await makeNestedOperatorPdf(5_000) }, 'reject-or-render');
  assetCase('pdf', 'pdf-nested-q-100000', { extension: 'pdf', content: await makeNestedOperatorPdf(100_000) }, 'reject-or-render');
  assetCase('pdf', 'pdf-javascript', { extension: 'pdf', content: makeJavaScriptPdf() });
  assetCase('pdf', 'pdf-no-pages', {
    extension: 'pdf',
    content: handWrittenPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [] /Count 0 >>']),
  });
  assetCase('pdf', 'pdf-page-loop', {
    extension: 'pdf',
    content: handWrittenPdf(['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [2 0 R] /Count 1 >>']),
  });

  // --- Hostile and broken SVGs. ---
  // Without width, height or viewBox librsvg falls back to a default size; drawing that is fine.
  const drawableSvgs = new Set(['no-size']);
  for (const [name, svg] of HOSTILE_SVGS) {
    assetCase('svg', `svg-${name}`, { extension: 'svg', content: svg }, drawableSvgs.has(name) ? 'reject-or-render' : 'reject');
  }

  // --- Seeded fuzzing: mutations of good assets, bad IDs and bad query values. ---
  const goodSvgBytes = Buffer.from(GOOD_SVG);
  const seeds: Array<{ extension: 'png' | 'pdf' | 'svg'; bytes: Buffer }> = [
    { extension: 'png', bytes: goodPng },
    { extension: 'pdf', bytes: goodPdf },
    { extension: 'svg', bytes: goodSvgBytes },
  ];
  for (let i = 0; i < fuzzCount; i++) {
    const roll = random.next();
    if (roll < 0.7) {
      const { extension, bytes } = random.pick(seeds);
      const mutated = mutate(bytes, random);
      // A mutation may leave a drawable file (a flipped bit in a comment or in pixel data), so an image is fine too.
      assetCase('fuzz-asset', `fuzz-${extension}-${mutated.how}`, { extension, content: mutated.bytes }, 'reject-or-render');
    } else if (roll < 0.85) {
      const id = fuzzBadAssetId(random);
      requestCase('fuzz-id', `fuzz-id-${String(i).padStart(3, '0')}`, random.next() < 0.5
        ? { method: 'GET', path: `/v1/assets/${id}` }
        : { method: 'GET', path: `/v1/card-art?cardBackgroundAssetId=${id}` });
    } else {
      const [param, value] = fuzzBadQueryValue(random);
      requestCase('fuzz-query', `fuzz-${param}-${String(i).padStart(3, '0')}`, { method: 'GET', path: `${card}&${param}=${value}` });
    }
  }
  return cases;
}

function mutate(bytes: Buffer, random: Rng): { how: string; bytes: Buffer } {
  const copy = Buffer.from(bytes);
  switch (random.int(0, 4)) {
    case 0: {
      const keep = random.int(0, bytes.length - 1);
      return { how: 'truncate', bytes: copy.subarray(0, keep) };
    }
    case 1: {
      const flips = random.int(1, 16);
      for (let f = 0; f < flips; f++) {
        const at = random.int(0, copy.length - 1);
        copy[at]! ^= 1 << random.int(0, 7);
      }
      return { how: 'bitflip', bytes: copy };
    }
    case 2: {
      const at = random.int(0, copy.length - 1);
      const run = random.bytes(random.int(1, 64));
      run.copy(copy, at);
      return { how: 'overwrite', bytes: copy };
    }
    case 3: {
      const at = random.int(0, copy.length);
      return { how: 'insert', bytes: Buffer.concat([copy.subarray(0, at), random.bytes(random.int(1, 256)), copy.subarray(at)]) };
    }
    default: {
      const at = random.int(0, copy.length - 1);
      const end = Math.min(copy.length, at + random.int(1, 256));
      return { how: 'delete', bytes: Buffer.concat([copy.subarray(0, at), copy.subarray(end)]) };
    }
  }
}

const ID_POISON = ['%2e%2e%2f', '..%2F', '%00', '%C3%A9', '%F0%9F%92%B3', '%20', '.', '%25', '~', '!', '%27', '%22', '%3C', '*', '%0A'];

function fuzzBadAssetId(random: Rng): string {
  if (random.next() < 0.2) return 'z'.repeat(random.int(65, 300));
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
  let id = '';
  const length = random.int(0, 20);
  for (let c = 0; c < length; c++) id += alphabet[random.int(0, alphabet.length - 1)];
  const at = random.int(0, id.length);
  return id.slice(0, at) + random.pick(ID_POISON) + id.slice(at);
}

function fuzzBadQueryValue(random: Rng): [string, string] {
  switch (random.int(0, 2)) {
    case 0: {
      const hex = '0123456789abcdefXYZ#%';
      let color = '';
      const length = random.pick([0, 1, 3, 5, 7, 8, 12]);
      for (let c = 0; c < length; c++) color += hex[random.int(0, hex.length - 1)];
      return ['foregroundColor', encodeURIComponent(color) || '%00'];
    }
    case 1: {
      const allowed = new Set([1536, 1152, 768, 512, 384, 256, 128]);
      let width = random.int(-5000, 100_000);
      while (allowed.has(width)) width += 1;
      return ['width', String(random.next() < 0.2 ? `${width}.5` : width)];
    }
    default:
      return ['format', random.pick(['bmp', 'tiff', 'heic', 'jpg', 'PNG ', 'png%00', 'a'.repeat(100), 'gif', 'jxl'])];
  }
}

/** Writes every case's files (and the good shared assets) into `dir`. */
export async function writeCorpusAssets(dir: string, cases: readonly CorpusCase[]): Promise<void> {
  const cure = await makeCurePng();
  await writeFile(path.join(dir, `${GOOD_BACKGROUND_ID}.png`), cure);
  await writeFile(path.join(dir, `${GOOD_LOGO_ID}.png`), await solidPng(120, 60, { r: 250, g: 250, b: 250, alpha: 0.9 }));
  for (const testCase of cases) {
    for (const [name, content] of Object.entries(testCase.files)) await writeFile(path.join(dir, name), content);
  }
}

/** Replaces whatever `assetId` was in `dir` with the good cure PNG (the simulator reads the folder per request). */
export async function cureAsset(dir: string, assetId: string, curePng: Buffer): Promise<void> {
  for (const extension of ['json', 'pdf', 'svg', 'png']) await rm(path.join(dir, `${assetId}.${extension}`), { force: true });
  await writeFile(path.join(dir, `${assetId}.png`), curePng);
}
