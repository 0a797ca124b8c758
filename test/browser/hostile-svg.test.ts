/**
 * Hostile requestor SVGs opened in headless Chromium straight from `?format=svg` (the top-level document, the
 * strongest case: an SVG document may script itself). Every request and navigation off the service's origin is
 * intercepted and recorded, and the page is clicked: none may run script, fetch, navigate or submit.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { mapConcurrent } from '../hardening/harness.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENIGN_TRICKY_SVG, HOSTILE_SVGS } from '../support/hostile-svg-corpus.ts';
import { startTestService, type TestService } from '../service/service-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const EXPECTED_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox; form-action 'none'";

let dir: string;
let service: TestService;
let browser: Browser;
let trap: Server;
let trapUrl: string;
const trapHits: string[] = [];

beforeAll(async () => {
  // The off-site target every payload aims at; it also serves the control SVG below.
  trap = createServer((req, res) => {
    trapHits.push(req.url ?? '');
    if (req.url === '/control.svg') {
      res.setHeader('content-type', 'image/svg+xml');
      res.end(`<svg xmlns="http://www.w3.org/2000/svg"><script>fetch('/control-hit')</script></svg>`);
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  dir = await mkdtemp(path.join(tmpdir(), 'card-art-hostile-svg-'));
  for (const hostile of HOSTILE_SVGS) await writeFile(path.join(dir, `${hostile.id}.svg`), hostile.body(trapUrl));
  await writeFile(path.join(dir, 'svg-benign-tricky.svg'), BENIGN_TRICKY_SVG());
  service = await startTestService(dir);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  await new Promise<void>((resolve) => (trap ? trap.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Visit {
  status: number;
  csp: string | undefined;
  disposition: string | undefined;
  offSite: string[];
  navigations: string[];
  dialogs: string[];
  popups: number;
  body: string;
}

/** Opens `url` in a fresh page with everything off `allowedOrigin` intercepted, clicks it, and reports. */
async function visit(url: string, allowedOrigin: string | undefined, context?: BrowserContext): Promise<Visit> {
  const ownContext = context ?? (await browser.newContext({ viewport: { width: 200, height: 200 } }));
  const offSite: string[] = [];
  const navigations: string[] = [];
  const dialogs: string[] = [];
  let popups = 0;
  const page = await ownContext.newPage();
  if (allowedOrigin) {
    await page.route('**/*', async (route) => {
      const target = route.request().url();
      if (new URL(target).origin === allowedOrigin) return route.continue();
      offSite.push(`${route.request().resourceType()} ${target}`);
      return route.abort('blockedbyclient');
    });
  }
  page.on('popup', () => (popups += 1));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('framenavigated', (frame) => navigations.push(frame.url()));
  try {
    const response = await page.goto(url, { waitUntil: 'load' });
    // Clicks reach links, buttons and onclick handlers; the pause lets SMIL animations and refreshes run.
    await page.mouse.click(100, 100).catch(() => {});
    await page.waitForTimeout(200);
    return {
      status: response?.status() ?? 0,
      csp: response?.headers()['content-security-policy'],
      disposition: response?.headers()['content-disposition'],
      offSite,
      navigations: navigations.filter((navigated) => navigated !== url && navigated !== 'about:blank'),
      dialogs,
      popups,
      body: (await response?.text().catch(() => '')) ?? '',
    };
  } finally {
    await (context ? page.close() : ownContext.close());
  }
}

describe('hostile SVGs from ?format=svg in Chromium', () => {
  it('the harness sees what an unprotected SVG does (control: a plain script fetches)', async () => {
    const before = trapHits.length;
    await visit(`${trapUrl}/control.svg`, undefined);
    expect(trapHits.slice(before)).toContain('/control-hit');
  });

  it(`none of ${HOSTILE_SVGS.length} hostile SVGs runs script, fetches, navigates or submits`, async () => {
    expect(HOSTILE_SVGS.length).toBeGreaterThanOrEqual(30);
    const hitsBefore = trapHits.length;
    const outcomes: string[] = [];
    const problems: string[] = [];
    const context = await browser.newContext({ viewport: { width: 200, height: 200 } });
    // Four pages at a time; each has its own interception and records.
    const results = await mapConcurrent(HOSTILE_SVGS, 4, (hostile) =>
      visit(`${service.baseUrl}/v1/token-requestor-assets/${hostile.id}?format=svg`, service.baseUrl, context),
    );
    await context.close();
    for (const [index, hostile] of HOSTILE_SVGS.entries()) {
      const result = results[index]!;
      outcomes.push(`${hostile.id}: ${result.status}`);
      if (result.offSite.length) problems.push(`${hostile.id} reached off-site: ${result.offSite.join(', ')}`);
      if (result.navigations.length) problems.push(`${hostile.id} navigated to ${result.navigations.join(', ')}`);
      if (result.dialogs.length) problems.push(`${hostile.id} opened dialogs`);
      if (result.popups) problems.push(`${hostile.id} opened ${result.popups} popups`);
      if (result.status === 200) {
        if (result.csp !== EXPECTED_CSP) problems.push(`${hostile.id} CSP ${result.csp}`);
        if (result.disposition !== `inline; filename=${hostile.id}.svg`) problems.push(`${hostile.id} disposition ${result.disposition}`);
        if (/<script|foreignObject|\son\w+=|javascript:|@import|xml-stylesheet|<!DOCTYPE|<!ENTITY/i.test(result.body)) {
          problems.push(`${hostile.id} passed through something unsafe: ${result.body.slice(0, 200)}`);
        }
      } else if (result.status !== 502 && result.status !== 404) {
        problems.push(`${hostile.id} answered ${result.status}`);
      }
    }
    expect(problems).toEqual([]);
    expect(trapHits.slice(hitsBefore)).toEqual([]);
    // Every payload here is refused outright, not quietly cleaned (the kinds a logo never needs).
    expect(outcomes.filter((line) => line.endsWith(': 200'))).toEqual([]);
  }, 120_000);

  it('a harmless SVG with comments, a DOCTYPE, metadata, a gradient by fragment and inline CSS is rebuilt and drawn', async () => {
    const result = await visit(`${service.baseUrl}/v1/token-requestor-assets/svg-benign-tricky?format=svg`, service.baseUrl);
    expect(result.status).toBe(200);
    expect(result.csp).toBe(EXPECTED_CSP);
    expect(result.body.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(result.body).not.toMatch(/<!--|<!DOCTYPE|metadata|rdf/);
    expect(result.body).toContain('fill:url(#g)');
    expect(result.offSite).toEqual([]);
    // The gradient still paints: the screenshot's corner is red.
    const context = await browser.newContext({ viewport: { width: 200, height: 200 } });
    try {
      const page = await context.newPage();
      await page.goto(`${service.baseUrl}/v1/token-requestor-assets/svg-benign-tricky?format=svg`);
      const sharp = (await import('sharp')).default;
      const { data } = await sharp(await page.screenshot()).raw().toBuffer({ resolveWithObject: true });
      expect([data[0], data[1], data[2]]).toEqual([255, 0, 0]);
    } finally {
      await context.close();
    }
  });
});
