/**
 * Times another client's cold cards alone and beside one client's attack, against `src/server.ts` of any checkout
 * (so the same setup measures before and after a change), with the embedded simulator and `npm start`'s settings:
 *
 *   node test/tools/measure-fair-turns.ts <checkout> pdf [draws]   one client keeps 2 requests in flight for PDFs
 *                                                                  that draw one 1900×1900 image `draws` times
 *                                                                  (default 60,000; 26 is just under the bound);
 *                                                                  other: cold cards with a new PDF logo, and PNG ones
 *   node test/tools/measure-fair-turns.ts <checkout> flood         one client, 80 connections of distinct cold
 *                                                                  cards, honouring Retry-After; other: cold cards
 *
 * The other client's cards are timed alone and beside the attack in three alternating rounds of five. Run it from
 * this checkout (`npx node …` gives Node 24). Prints each batch and the ratio of medians. Loopback only; the attack is
 * bounded (200 PDF IDs, or until the other client's batch is done).
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { freePort } from '../support/free-port.ts';
import { makeRepeatedImagePdf } from '../support/hostile-pdf-fixtures.ts';
import { PRODUCTION_NODE_FLAGS, PRODUCTION_SERVICE_ENV } from '../support/production-settings.ts';

const [checkout, scenario = 'pdf', drawsArgument = '60000'] = process.argv.slice(2);
if (!checkout || !['pdf', 'flood'].includes(scenario)) {
  console.error('usage: node test/tools/measure-fair-turns.ts <checkout> pdf [draws] | flood');
  process.exit(2);
}
const root = path.resolve(checkout);
const ROUNDS = 3;
const OTHER_CARDS = 5;
const HEAVY_IDS = 200;

interface Answer {
  status: number;
  ms: number;
  retryAfter: number;
  code?: string;
}

function get(baseUrl: string, pathAndQuery: string, localAddress: string, agent?: Agent): Promise<Answer> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: pathAndQuery, localAddress, agent: agent ?? false, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        let code: string | undefined;
        if (status >= 400) code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code?: string } }).error?.code;
        resolve({ status, ms: performance.now() - started, retryAfter: Number(res.headers['retry-after'] ?? 0), code });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started, retryAfter: 0 }));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const solid = (width: number, height: number, background: string) => sharp({ create: { width, height, channels: 4, background } }).png().toBuffer();

const dir = await mkdtemp(path.join(tmpdir(), 'card-art-fair-turns-'));
await writeFile(path.join(dir, 'bg.png'), await solid(768, 485, '#1e468c'));
await writeFile(path.join(dir, 'issuer.png'), await solid(400, 100, '#ffffffcc'));
await writeFile(path.join(dir, 'brand.png'), await solid(300, 180, '#dc2828'));
for (let i = 0; i < 2 * ROUNDS * OTHER_CARDS + 1; i++) {
  await copyFile(path.join(root, 'src/simulator/samples/9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c11.pdf'), path.join(dir, `pdf-logo-${i}.pdf`));
}
const heavy = makeRepeatedImagePdf(Number(drawsArgument));
if (scenario === 'pdf') for (let i = 0; i < HEAVY_IDS; i++) await writeFile(path.join(dir, `heavy-${i}.pdf`), heavy);

const port = await freePort();
const server = spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, 'src/server.ts'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, ...PRODUCTION_SERVICE_ENV, PORT: String(port), SIMULATOR_ASSET_DIR: dir, CACHE_DIR: path.join(dir, 'cache'), LOG_LEVEL: 'error' },
});
const baseUrl = `http://127.0.0.1:${port}`;

let text = 0;
let logo = 0;
const pngCard = (who: string) =>
  `/v1/card-art?cardBackgroundAssetId=bg&issuerLogoAssetId=issuer&brandLogoAssetId=brand&foregroundColor=ffffff&width=512&text=${encodeURIComponent(`${who} ${text++}`)}`;
const pdfCard = () => `/v1/card-art?cardBackgroundAssetId=bg&issuerLogoAssetId=pdf-logo-${logo++}&brandLogoAssetId=brand&foregroundColor=ffffff&width=512`;

async function timeCards(label: string, makePath: () => string): Promise<number[]> {
  const times: number[] = [];
  const statuses = new Set<number>();
  for (let i = 0; i < OTHER_CARDS; i++) {
    const answer = await get(baseUrl, makePath(), '127.0.0.2');
    times.push(answer.ms);
    statuses.add(answer.status);
  }
  console.log(`${label}: p50 ${Math.round(median(times))} ms [${times.map(Math.round).join(' ')}], statuses ${[...statuses].join(',')}`);
  return times;
}

function tally(answers: Answer[]): string {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[`${answer.status}${answer.code ? ` ${answer.code}` : ''}`] = (counts[`${answer.status}${answer.code ? ` ${answer.code}` : ''}`] ?? 0) + 1;
  return JSON.stringify(counts);
}

/** Starts the attack; stop() ends it and waits for its requests in flight. */
function startAttack(answers: Answer[]): { stop(): Promise<void> } {
  let stopped = false;
  let loops: Array<Promise<void>>;
  if (scenario === 'pdf') {
    loops = [0, 1].map(async () => {
      while (!stopped && heavyId < HEAVY_IDS) answers.push(await get(baseUrl, `/v1/assets/heavy-${heavyId++}?width=768&format=png`, '127.0.0.1'));
    });
  } else {
    loops = Array.from({ length: 80 }, async (_, connection) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!stopped) {
        const answer = await get(baseUrl, pngCard(`flood ${connection}`), '127.0.0.1', agent);
        answers.push(answer);
        if ((answer.status === 429 || answer.status === 503) && answer.retryAfter > 0) await sleep(answer.retryAfter * 1000);
      }
      agent.destroy();
    });
  }
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
let heavyId = 0;

const ratio = (beside: number[], alone: number[]) =>
  `${Math.round(median(alone))} -> ${Math.round(median(beside))} ms (${(median(beside) / median(alone)).toFixed(2)}x)`;

try {
  for (let tries = 0; (await get(baseUrl, '/healthz', '127.0.0.1')).status !== 200; tries++) {
    if (tries > 300) throw new Error('the server did not come up');
    await sleep(100);
  }
  for (let i = 0; i < 3; i++) await get(baseUrl, pngCard('warm'), '127.0.0.9');
  await get(baseUrl, pdfCard(), '127.0.0.9');
  await sleep(3000);
  // The other client's cards alone and beside the attack, in alternating rounds (the machine's load weighs on both).
  const kinds = scenario === 'pdf' ? (['cold PDF cards', 'cold PNG cards'] as const) : (['cold cards'] as const);
  const make = (kind: string, side: string) => (kind === 'cold PDF cards' ? pdfCard() : pngCard(side));
  const alone = new Map<string, number[]>(kinds.map((kind) => [kind, []]));
  const beside = new Map<string, number[]>(kinds.map((kind) => [kind, []]));
  const attack: Answer[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of kinds) alone.get(kind)!.push(...(await timeCards(`${kind} alone`, () => make(kind, 'alone'))));
    const running = startAttack(attack);
    await sleep(scenario === 'pdf' ? 1500 : 2000);
    try {
      for (const kind of kinds) beside.get(kind)!.push(...(await timeCards(`${kind} beside the attack`, () => make(kind, 'beside'))));
    } finally {
      await running.stop();
    }
  }
  console.log(`attack: ${attack.length} requests ${tally(attack)}, p50 ${Math.round(median(attack.map((answer) => answer.ms)))} ms`);
  console.log(`RESULT ${kinds.map((kind) => `${kind} ${ratio(beside.get(kind)!, alone.get(kind)!)}`).join('; ')}`);
} finally {
  server.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}
