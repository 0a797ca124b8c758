/**
 * Issue #22 row 6, amplification: 30 Notify Token Updated requests of 100 tokens, each token with 6 asset IDs MDES
 * does not know (18,000 in all), sent by the embedded simulator (real encryption) to the in-process service. Before,
 * they caused 608 MDES calls in 17 s and kept the whole budget (UPSTREAM_MAX_RPS, 50/s) busy afterwards, and 26 of the
 * 30 were answered 503 PREWARM_QUEUE_FULL after their tokens had been written.
 *
 * Now: a notification whose pre-warm does not fit the queue is refused before anything is written (its tokens are
 * not recorded; MDES's retry does the work), and pre-warm fetches take at most their share of the budget
 * (PREWARM_UPSTREAM_SHARE), so cold card requests made meanwhile are all served. Bounded: the queue is left to drain
 * in the background and closed with the service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_ID_FIELDS } from '../../src/core/product-config.ts';
import type { NtuSender } from '../../src/simulator/ntu-sender.ts';
import { DEFAULT_UPSTREAM_MAX_RPS, PREWARM_UPSTREAM_SHARE, shareOfBudget } from '../../src/upstream/upstream-budget.ts';
import { median } from '../bench/bench-stats.ts';
import { makeServiceFixtures, type ServiceFixtures } from '../service/service-fixtures.ts';
import { startTestService, type TestService } from '../service/service-harness.ts';
import { rawRequest, sleep } from './harness.ts';

const NOTIFICATIONS = 30;
const TOKENS_PER_NOTIFICATION = 100;
/** How long the MDES call rate is watched after the notifications, while cold card requests are made. */
const WATCH_MS = 5000;
/** Timer and window edges on a busy machine: one second window more than the share allows. */
const RATE_SLACK_CALLS = shareOfBudget(DEFAULT_UPSTREAM_MAX_RPS, PREWARM_UPSTREAM_SHARE);

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

const reference = (notification: number, token: number) => `DWSPMC0000AMPLIFY${String(notification).padStart(2, '0')}T${String(token).padStart(3, '0')}`;

function notificationTokens(notification: number) {
  return Array.from({ length: TOKENS_PER_NOTIFICATION }, (_, token) => ({
    tokenUniqueReference: reference(notification, token),
    status: 'ACTIVE',
    statusTimestamp: new Date().toISOString(),
    productConfig: Object.fromEntries(ASSET_ID_FIELDS.map((field, k) => [field, `unknown-${notification}-${token}-${k}`])),
  }));
}

function prewarmCalls(): number {
  return Object.entries(service.simulator.counts())
    .filter(([key]) => key.startsWith('asset:unknown-'))
    .reduce((sum, [, n]) => sum + n, 0);
}

describe('30 notifications of 100 tokens with 6 unknown asset IDs each', () => {
  it('writes nothing it then answers 503, and leaves card requests their share of the MDES budget', async () => {
    const ntu = service.simulator.ntu as NtuSender;
    const base = service.baseUrl;
    // Cold card requests before the flood, for their usual time.
    const quietMs: number[] = [];
    for (const id of fixtures.spareBackgrounds.slice(0, 4)) {
      const start = performance.now();
      expect((await rawRequest(base, { path: `/v1/assets/${id}?width=128` })).status).toBe(200);
      quietMs.push(performance.now() - start);
    }

    const start = performance.now();
    const answers: Array<{ status: number; code: string }> = [];
    for (let n = 0; n < NOTIFICATIONS; n++) {
      const sent = await ntu.send(base, notificationTokens(n));
      answers.push({ status: sent.status, code: String((sent.body as { errorCode?: unknown } | undefined)?.errorCode ?? '-') });
    }
    const sendSeconds = (performance.now() - start) / 1000;
    const callsAfterSend = prewarmCalls();

    // Which notifications left records behind: all of an acknowledged one, none of a refused one.
    const writtenThen503: number[] = [];
    for (const [n, answer] of answers.entries()) {
      const first = await rawRequest(base, { path: `/v1/tokens/${reference(n, 0)}` });
      const last = await rawRequest(base, { path: `/v1/tokens/${reference(n, TOKENS_PER_NOTIFICATION - 1)}` });
      if (answer.status === 200) expect([first.status, last.status]).toEqual([200, 200]);
      else if (first.status !== 404 || last.status !== 404) writtenThen503.push(n);
    }

    // The budget afterwards: pre-warm's MDES calls per second, and cold card requests made meanwhile.
    const watchStart = performance.now();
    const callsAtWatchStart = prewarmCalls();
    const cardStatuses: number[] = [];
    const floodMs: number[] = [];
    for (const id of fixtures.spareBackgrounds.slice(4)) {
      const requestStart = performance.now();
      cardStatuses.push((await rawRequest(base, { path: `/v1/assets/${id}?width=128` })).status);
      floodMs.push(performance.now() - requestStart);
    }
    await sleep(Math.max(0, WATCH_MS - (performance.now() - watchStart)));
    const watchSeconds = (performance.now() - watchStart) / 1000;
    const watchedCalls = prewarmCalls() - callsAtWatchStart;

    const tally: Record<string, number> = {};
    for (const answer of answers) tally[`${answer.status} ${answer.code}`] = (tally[`${answer.status} ${answer.code}`] ?? 0) + 1;
    const share = shareOfBudget(DEFAULT_UPSTREAM_MAX_RPS, PREWARM_UPSTREAM_SHARE);
    console.log(
      [
        `${NOTIFICATIONS} notifications in ${sendSeconds.toFixed(1)} s: ${JSON.stringify(tally)}; answered 503 after writing tokens: ${writtenThen503.length}`,
        `pre-warm MDES calls: ${callsAfterSend} while sending, then ${watchedCalls} in ${watchSeconds.toFixed(1)} s (${(watchedCalls / watchSeconds).toFixed(1)}/s; share ${share}/s of ${DEFAULT_UPSTREAM_MAX_RPS}/s)`,
        `cold asset requests meanwhile: ${cardStatuses.join(',')}; median ${median(floodMs).toFixed(0)} ms (before the flood ${median(quietMs).toFixed(0)} ms)`,
      ].join('\n'),
    );
    expect(writtenThen503).toEqual([]);
    expect(answers.filter((answer) => answer.status !== 200).every((answer) => answer.status === 503 && answer.code === 'PREWARM_QUEUE_FULL')).toBe(true);
    expect(watchedCalls).toBeLessThanOrEqual(share * Math.ceil(watchSeconds) + RATE_SLACK_CALLS);
    expect(cardStatuses.every((status) => status === 200)).toBe(true);
  }, 120_000);
});
