import { mkdir } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { makeServiceFixtures, type ServiceFixtures } from '../service/service-fixtures.ts';
import { startTestService, type TestService } from '../service/service-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const CARD_RATIO = 969 / 1536;

let fixtures: ServiceFixtures;
let service: TestService;
let browser: Browser;

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  service = await startTestService(fixtures.dir);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  await fixtures?.cleanup();
});

test('the demo page shows every card and requestor logo, decoded at the right size', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(`${service.baseUrl}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelectorAll('#cards img').length === 3 && document.querySelectorAll('#requestors img').length === 2);
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));

  // With srcset, naturalWidth is density-corrected; the file's own size comes from a plain Image of currentSrc.
  const images = await page.evaluate(() =>
    Promise.all(
      Array.from(document.images).map(async (img) => {
        const plain = new Image();
        plain.src = img.currentSrc;
        await plain.decode();
        return {
          list: img.closest('ul')?.id,
          src: img.currentSrc,
          shownNaturalWidth: img.naturalWidth,
          naturalWidth: plain.naturalWidth,
          naturalHeight: plain.naturalHeight,
        };
      }),
    ),
  );
  expect(images).toHaveLength(5);
  for (const image of images) {
    expect(image.shownNaturalWidth, image.src).toBeGreaterThan(0);
    if (image.list === 'cards') {
      expect([384, 768]).toContain(image.naturalWidth);
      expect(image.naturalHeight).toBe(Math.round(image.naturalWidth * CARD_RATIO));
      expect(image.src).toContain('/v1/card-art?');
    } else {
      expect([96, 192]).toContain(image.naturalWidth);
      expect(image.naturalHeight).toBe(image.naturalWidth);
      expect(image.src).toContain('/v1/token-requestor-assets/');
    }
  }
  expect(await page.textContent('#requestors')).toContain('Demo Pay');
  expect(await page.textContent('#cards')).toContain('•••• 4242');
  expect(problems).toEqual([]);

  await mkdir('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/demo.png', fullPage: true });
  await page.close();
});

test('"New card art from the issuer" has the simulator send an NTU, and the card shows its new art without a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  const ntuAnswers: number[] = [];
  page.on('response', (response) => {
    if (response.url().includes('/new-card-art')) ntuAnswers.push(response.status());
  });
  await page.goto(`${service.baseUrl}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelectorAll('#cards li.card img[src]').length === 3);
  const first = page.locator('#cards li.card').first();
  const reference = await first.getAttribute('data-token');
  expect(reference).toMatch(/^[A-Za-z0-9_-]+$/);
  const before = await first.locator('img').getAttribute('src');
  expect(before).toContain('/v1/card-art?');
  expect(before).not.toContain('cobrand-shop');
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));

  await first.getByRole('button', { name: 'New card art from the issuer' }).click();
  await page.waitForFunction(
    (old) => {
      const img = document.querySelector<HTMLImageElement>('#cards li.card img');
      return img !== null && img.getAttribute('src') !== old && img.complete && img.naturalWidth > 0;
    },
    before,
    { timeout: 15_000 },
  );
  const after = (await first.locator('img').getAttribute('src'))!;
  // The next demo card's art (issuer + co-brand), still with this card's digits.
  const url = new URL(after, service.baseUrl);
  expect(url.searchParams.get('coBrandLogoAssetId')).toBe('cobrand-shop');
  expect(url.searchParams.get('text')).toBe('•••• 4242');
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  expect(ntuAnswers).toEqual([200]);

  const record = await (await fetch(`${service.baseUrl}/v1/tokens/${reference}`)).json();
  expect(record.productConfig.coBrandLogoAssetId).toBe('cobrand-shop');
  expect(problems).toEqual([]);
  await page.close();
});
