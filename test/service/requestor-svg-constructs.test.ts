/**
 * The SVG constructs the sanitizer accepts since the resvg corpus (`<switch>` / `systemLanguage`, `<a>` that links
 * nowhere, `<use>` chains and cycles, digit-first ids, `mask-type`, absolute units, GIF bitmaps), end to end: served as
 * `?format=svg` they keep nothing that could link or decide per reader, drawn as `?format=png` they paint what
 * they mean; their hostile variants are refused on both formats.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SVG_CSP } from '../../src/service/routes/token-connect-routes.ts';
import { startTestService, type TestService } from './service-harness.ts';

const OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="96" height="96" viewBox="0 0 96 96">';
const svg = (inner: string) => `${OPEN}${inner}</svg>`;

/** Four 48-unit quadrants, each painted green only if its construct is drawn as meant (red otherwise). */
const BENIGN = svg(
  // Top left: the switch draws the English branch.
  '<switch><rect systemLanguage="ru" width="48" height="48" fill="#ff0000"/><rect systemLanguage="en-US" width="48" height="48" fill="#00ff00"/>' +
    '<rect width="48" height="48" fill="#ff0000"/></switch>' +
    // Top right: a group inside <a>, reached through a chain of two <use>, the first by a digit-first id.
    '<defs><rect id="1" width="48" height="48" fill="#00ff00"/><use id="u" href="#1"/></defs><a href="#u"><use xlink:href="#u" x="48"/></a>' +
    // Bottom left: 12.7 mm = 48 px, whatever the output size.
    '<rect y="48" width="12.7mm" height="12.7mm" fill="#00ff00"/>' +
    // Bottom right: a self-referencing <use> (left out) and an alpha mask (as a luminance mask, black hides all).
    '<use id="loop" href="#loop"/><mask id="m" mask-type="alpha"><rect x="48" y="48" width="48" height="48" fill="#000000"/></mask>' +
    '<rect x="48" y="48" width="48" height="48" fill="#00ff00" mask="url(#m)"/>',
);
/** A GIF bitmap filling the logo: drawn by the rasterizer, refused by the passthrough (`#…` references only). */
const BITMAP = svg('<image width="96" height="96" preserveAspectRatio="none" href="data:image/gif;base64,GIF_BASE64"/>');

const HOSTILE: Record<string, string> = {
  'a-offsite': svg('<a href="https://evil.example/"><rect width="96" height="96"/></a>'),
  'switch-hidden-script': svg('<switch><rect width="96" height="96"/><g><script>alert(1)</script></g></switch>'),
  'language-hidden-handler': svg('<g systemLanguage="ru"><rect width="96" height="96" onclick="alert(1)"/></g>'),
  'use-fan-out': svg(
    `<defs><g id="l0"><rect width="1" height="1"/></g>${Array.from({ length: 6 }, (_, level) => `<g id="l${level + 1}">${`<use href="#l${level}"/>`.repeat(10)}</g>`).join('')}</defs><use href="#l6"/>`,
  ),
  'mask-type-url': svg('<mask id="m" mask-type="url(https://evil.example/m)"/><rect width="96" height="96" mask="url(#m)"/>'),
};

let dir: string;
let service: TestService;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'card-art-svg-constructs-'));
  const gif = await sharp({ create: { width: 2, height: 2, channels: 3, background: { r: 0, g: 255, b: 0 } } }).gif().toBuffer();
  await writeFile(path.join(dir, 'benign.svg'), BENIGN);
  await writeFile(path.join(dir, 'bitmap.svg'), BITMAP.replace('GIF_BASE64', gif.toString('base64')));
  for (const [id, body] of Object.entries(HOSTILE)) await writeFile(path.join(dir, `${id}.svg`), body);
  service = await startTestService(dir);
}, 30_000);

afterAll(async () => {
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = (id: string, format: 'svg' | 'png', size = 96) => fetch(`${service.baseUrl}/v1/token-requestor-assets/${id}?format=${format}&size=${size}`);

describe('newly accepted SVG constructs through /v1/token-requestor-assets', () => {
  it('?format=svg: rebuilt with no link, no switch or language test left, no cyclic <use>, under the CSP', async () => {
    const answer = await get('benign', 'svg');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-security-policy')).toBe(SVG_CSP);
    const body = await answer.text();
    expect(body).not.toMatch(/<switch|systemLanguage|id="loop"|href="https?:|<a [^>]*href/);
    expect(body).toContain('<a><use xlink:href="#u" x="48"></use></a>');
    // The passthrough keeps the logo's own units and refuses to carry a bitmap: only the rasterizer gets those.
    expect(body).toContain('width="12.7mm"');
  });

  it.each([48, 96, 192, 384])('?format=png&size=%i: every quadrant is green, and so is the GIF bitmap', async (size) => {
    for (const id of ['benign', 'bitmap']) {
      const answer = await get(id, 'png', size);
      expect(answer.status, id).toBe(200);
      const { data, info } = await sharp(Buffer.from(await answer.arrayBuffer())).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      expect(info).toMatchObject({ width: size, height: size });
      for (const [qx, qy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]] as const) {
        const at = (Math.floor(qy * size) * size + Math.floor(qx * size)) * 4;
        expect([...data.subarray(at, at + 4)], `${id} at ${size} px, ${qx},${qy}`).toEqual([0, 255, 0, 255]);
      }
    }
  });

  it('?format=svg still refuses the embedded bitmap (the passthrough allows `#…` references only)', async () => {
    const answer = await get('bitmap', 'svg');
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('SVG_UNSAFE');
  });

  it.each(Object.keys(HOSTILE))('hostile %s: 502 SVG_UNSAFE on both formats', async (id) => {
    for (const format of ['svg', 'png'] as const) {
      const answer = await get(id, format);
      expect(answer.status, format).toBe(502);
      expect(((await answer.json()) as { error: { code: string } }).error.code, format).toBe('SVG_UNSAFE');
    }
  });
});
