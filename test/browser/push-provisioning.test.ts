import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BUNDLED_SAMPLES_DIR } from '../../src/config.ts';
import { startTestService, type TestService } from '../service/service-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const TAILSPIN = '50110030271'; // signs its push data (JWS)
const WINGTIP = '50110030272'; // plain receipts

let service: TestService;
let browser: Browser;

beforeAll(async () => {
  await mkdir('test-artifacts', { recursive: true });
  service = await startTestService(BUNDLED_SAMPLES_DIR);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
});

async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, problems };
}

async function pickCards(page: Page, suffixes: string[]): Promise<void> {
  await page.waitForSelector('#push-cards input');
  for (const box of await page.$$('#push-cards input')) {
    const label = (await box.getAttribute('aria-label')) ?? '';
    const wanted = suffixes.some((suffix) => label.endsWith(suffix));
    if ((await box.isChecked()) !== wanted) await box.click();
  }
}

async function results(page: Page): Promise<Array<{ status: string; text: string; reference: string | null }>> {
  await page.waitForSelector('#push-results li');
  return page.$$eval('#push-results li', (items) =>
    items.map((item) => ({
      status: (item as HTMLElement).dataset.status ?? '',
      text: item.textContent ?? '',
      reference: item.querySelector('.token-ref')?.textContent ?? null,
    })),
  );
}

test('push: cards to a signing wallet, one ineligible listed before leaving, one approved and one declined on return', async () => {
  const { page, problems } = await openPage();
  await page.goto(`${service.baseUrl}/`, { waitUntil: 'load' });
  await page.waitForSelector(`#requestors li[data-token-requestor-id="${TAILSPIN}"] button`);
  await pickCards(page, ['4444', '5100', '5454']);
  await page.click(`#requestors li[data-token-requestor-id="${TAILSPIN}"] button`);
  await page.waitForSelector('#push-continue');
  expect(await page.textContent('#push-ineligible')).toContain('•••• 5454');
  expect(await page.textContent('#push-summary')).toContain('•••• 4444, •••• 5100 (signed)');
  await page.screenshot({ path: 'test-artifacts/push-ready.png', fullPage: true });

  await page.click('#push-continue');
  await page.waitForSelector('#check-ok');
  expect(page.url()).toContain(`/requestors/${TAILSPIN}/push?pushAccountData=`);
  expect(await page.textContent('#check-ok')).toContain('Signature verified');
  await page.selectOption('li.card:nth-child(2) select', 'DECLINED');
  await page.screenshot({ path: 'test-artifacts/push-requestor-page.png', fullPage: true });
  await page.click('#approve');

  const shown = await results(page);
  expect(shown.map((r) => r.status)).toEqual(['APPROVED', 'DECLINED']);
  expect(shown[0]!.text).toContain('•••• 4444');
  expect(shown[0]!.text).toContain('added');
  expect(shown[0]!.reference).toMatch(/^DWSPMC[0-9A-F]{32}$/);
  expect(shown[1]!.text).toContain('•••• 5100');
  expect(shown[1]!.text).toContain('declined');
  expect(new URL(page.url()).search).toBe('');
  await page.screenshot({ path: 'test-artifacts/push-results.png', fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});

test('push: no eligible card ends the flow with the list; an unsigned wallet gets receipts and a callbackURL; cancelling there shows every card cancelled', async () => {
  const { page, problems } = await openPage();
  await page.goto(`${service.baseUrl}/`, { waitUntil: 'load' });
  await page.waitForSelector('#requestors li[data-token-requestor-id="50110030273"] button');
  await pickCards(page, ['5454']);
  await page.click('#requestors li[data-token-requestor-id="50110030273"] button');
  await page.waitForSelector('#push-ineligible');
  expect(await page.textContent('#push-summary')).toContain('None of these cards can be added to Adatum Online Shop');
  expect(await page.textContent('#push-ineligible')).toContain('•••• 5454');
  expect(await page.$('#push-continue')).toBeNull();
  expect(await page.textContent('#push-status')).toContain('None of the cards can be pushed');
  await page.waitForSelector(`#requestors li[data-token-requestor-id="${WINGTIP}"] button`);
  await pickCards(page, ['4444']);
  await page.click(`#requestors li[data-token-requestor-id="${WINGTIP}"] button`);
  await page.click('#push-continue');
  await page.waitForSelector('#check-ok');
  expect(page.url()).toContain(`/requestors/${WINGTIP}/push?flow=issuer&pushAccountReceipts=MCC-`);
  await page.click('#cancel');
  const shown = await results(page);
  expect(shown).toHaveLength(1);
  expect(shown[0]).toMatchObject({ status: 'CANCELLED', reference: null });
  expect(shown[0]!.text).toContain('cancelled');
  // The 422 of the first attempt is the only console error (the browser logs failed fetches).
  expect(problems.filter((p) => !p.includes('422'))).toEqual([]);
  await page.close();
});

test('pull: started from the wallet, the issuer shows that requestor only; Continue pushes with its session', async () => {
  const { page, problems } = await openPage();
  await page.goto(`${service.simulator.origin}/requestors/${TAILSPIN}?issuer=${encodeURIComponent(`${service.baseUrl}/`)}`);
  await page.click('#start-pull');
  await page.waitForSelector('#pull:not([hidden]) #pull-continue');
  expect(page.url()).toMatch(/\?trid=50110030271&sessionId=[0-9a-f-]{36}&locale=en_US&userInterface=WEB$/);
  expect(await page.textContent('#pull h3')).toContain('Tailspin Pay');
  expect(await page.$eval('#pull img', (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  expect(await page.isHidden('#requestors')).toBe(true);
  expect(await page.textContent('#requestors-status')).toBe('');
  const sessionId = new URL(page.url()).searchParams.get('sessionId')!;
  await page.screenshot({ path: 'test-artifacts/pull-issuer.png', fullPage: true });

  await pickCards(page, ['4444']);
  await page.click('#pull-continue');
  await page.click('#push-continue');
  await page.waitForSelector('#check-ok');
  expect(await page.textContent('main')).toContain(`for session ${sessionId}`);
  await page.click('#approve');
  const shown = await results(page);
  expect(shown.map((r) => r.status)).toEqual(['APPROVED']);
  expect(problems).toEqual([]);
  await page.close();
});

test('pull: Cancel returns to the requestor with status=CANCELLED and its sessionId', async () => {
  const { page, problems } = await openPage();
  await page.goto(`${service.simulator.origin}/requestors/${WINGTIP}?issuer=${encodeURIComponent(`${service.baseUrl}/`)}`);
  await page.click('#start-pull');
  await page.waitForSelector('#pull:not([hidden]) #pull-cancel');
  expect(await page.textContent('#pull h3')).toContain('Wingtip Wallet');
  const sessionId = new URL(page.url()).searchParams.get('sessionId')!;
  await page.click('#pull-cancel');
  await page.waitForSelector('#issuer-returned');
  expect(page.url()).toBe(`${service.simulator.origin}/requestors/${WINGTIP}/push?flow=issuer&status=CANCELLED&sessionId=${sessionId}`);
  expect(await page.textContent('#issuer-returned')).toContain('CANCELLED');
  await page.screenshot({ path: 'test-artifacts/pull-cancelled.png', fullPage: true });
  expect(problems).toEqual([]);
  await page.close();
});
