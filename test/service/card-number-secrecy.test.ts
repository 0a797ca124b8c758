import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { BUNDLED_SAMPLES_DIR } from '../../src/config.ts';
import type { RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { startService } from '../support/start-service.ts';

const CARDS = ['5555555555554444', '5105105105105100', '2223003122003222', '5454545454545454'];
const BAD_NUMBERS = ['5555555555554445', '4111111111111111'];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

test('after push flows (good, ineligible, invalid and expired cards), no card number is in the logs, /metrics or the cache folder', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'card-art-secrecy-cache-'));
  const service = await startService({ SIMULATOR_ASSET_DIR: BUNDLED_SAMPLES_DIR, CACHE_DIR: cacheDir, LOG_LEVEL: 'trace' }, pino({ level: 'trace' }, sink));
  const simulator = service.services.simulator as RunningSimulator;
  const base = service.baseUrl;
  const push = (tokenRequestorId: string, accountNumbers: string[], extra: object = {}) =>
    fetch(`${base}/v1/push-provisioning`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tokenRequestorId,
        pushMethod: 'WEB',
        accounts: accountNumbers.map((accountNumber) => ({ accountNumber, expiryMonth: '12', expiryYear: '39', accountHolderData: { accountHolderName: 'Alex Example' } })),
        callbackURL: `${base}/?pushReturn=1`,
        locale: 'en_US',
        ...extra,
      }),
    }).then(async (response) => ({ status: response.status, text: await response.text() }));

  const answers = [
    await push('50110030271', CARDS), // signed: three receipts, one ineligible
    await push('50110030272', CARDS), // unsigned
    await push('50110030273', ['5454545454545454']), // 422, none eligible
    await push('50110030271', [BAD_NUMBERS[0]!]), // Luhn
    await push('50110030271', ['5555555555554444'], { locale: 'bad' }),
    await push('50110030271', ['5555555555554444'], { accounts: [{ accountNumber: '5555555555554444', expiryMonth: '01', expiryYear: '20' }] }),
    await push('50110030271', [BAD_NUMBERS[1]!]), // valid, but in no range the requestor enables
  ];
  expect(answers.map((a) => a.status)).toEqual([200, 200, 422, 400, 400, 400, 422]);

  // Through the simulated requestor and back, as the demo does.
  const unsigned = JSON.parse(answers[1]!.text) as { redirectUrl: string; pushed: Array<{ pushAccountReceipt: string }> };
  const page = await (await fetch(unsigned.redirectUrl)).text();
  expect(page).toContain('id="check-ok"');
  const form = new URLSearchParams({ receipts: unsigned.pushed.map((p) => p.pushAccountReceipt).join(','), callbackURL: `${base}/?pushReturn=1`, action: 'approve' });
  const back = await fetch(`${simulator.origin}/requestors/50110030272/push/complete`, { method: 'POST', body: form, redirect: 'manual' });
  const location = back.headers.get('location')!;
  const results = await fetch(`${base}/v1/push-provisioning/results?${new URL(location).search.slice(1)}`).then((r) => r.json() as Promise<{ results: unknown[] }>);
  expect(results.results).toHaveLength(unsigned.pushed.length);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const everyAnswer = answers.map((a) => a.text).join('\n') + JSON.stringify(results);

  // Closing flushes pending cache writes to the folder.
  await service.close();

  const log = lines.join('');
  expect(log).toContain('/v1/push-provisioning');
  const files = await filesUnder(cacheDir);
  const bytes = Buffer.concat(await Promise.all(files.map((file) => readFile(file))));
  // The receipts did reach the cache folder (so the search below looks where they are kept).
  expect(bytes.includes(Buffer.from('"accountPanSuffix":"4444"'))).toBe(true);
  for (const number of [...CARDS, ...BAD_NUMBERS]) {
    expect(log.includes(number), `log holds ${number}`).toBe(false);
    expect(metrics.includes(number), `metrics hold ${number}`).toBe(false);
    expect(bytes.includes(Buffer.from(number)), `cache folder holds ${number}`).toBe(false);
    expect(everyAnswer.includes(number), `an answer echoes ${number}`).toBe(false);
  }
  await rm(cacheDir, { recursive: true, force: true });
}, 60_000);

