/**
 * A flooding client in its own process, so its work does not delay the event loop of the test that measures the
 * service's latency next to it. Run by a test as
 *   node test/hardening/flood-client.ts <json config file>
 * with `{ baseUrl, path, bodiesFile, connections, localAddress, windows, honourRetryAfter }`: within each window
 * (`[start, stop]`, epoch ms) it POSTs the bodies of `bodiesFile` (a JSON array of strings) round-robin on
 * `connections` keep-alive connections, each sending the next as soon as the last was answered (after a 503's
 * `Retry-After` when `honourRetryAfter`: as fast as the route allows), and sends nothing between windows; then it
 * prints one JSON line: how many answers of each `<status> <errorCode>` it got (`reset` for a connection cut while
 * sending).
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { rawRequest } from './harness.ts';

interface FloodConfig {
  baseUrl: string;
  path: string;
  bodiesFile: string;
  connections: number;
  localAddress: string;
  windows: Array<[number, number]>;
  honourRetryAfter: boolean;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as FloodConfig;
const bodies = (JSON.parse(readFileSync(config.bodiesFile, 'utf8')) as string[]).map((body) => Buffer.from(body));
const agent = new Agent({ keepAlive: true, maxSockets: config.connections });
const outcomes: Record<string, number> = {};
const count = (outcome: string) => (outcomes[outcome] = (outcomes[outcome] ?? 0) + 1);
let next = 0;

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

for (const [startAt, stopAt] of config.windows) {
  await sleepUntil(startAt);
  await Promise.all(
    Array.from({ length: config.connections }, async () => {
      while (Date.now() < stopAt) {
        const body = bodies[next++ % bodies.length]!;
        try {
          const response = await rawRequest(config.baseUrl, {
            method: 'POST',
            path: config.path,
            body,
            headers: { 'content-type': 'application/json' },
            agent,
            localAddress: config.localAddress,
            timeoutMs: 20_000,
          });
          let code = '-';
          try {
            code = String((JSON.parse(response.body.toString('utf8')) as { errorCode?: unknown }).errorCode);
          } catch {
            // not MDES's shape: counted by status alone
          }
          count(`${response.status} ${code}`);
          const retryAfterMs = Number(response.headers['retry-after']) * 1000;
          if (config.honourRetryAfter && response.status === 503 && retryAfterMs > 0) await sleepUntil(Math.min(Date.now() + retryAfterMs, stopAt));
        } catch {
          // A refusal closes the connection without reading the body: the client may see a reset while still sending.
          count('reset');
        }
      }
    }),
  );
}
agent.destroy();
console.log(JSON.stringify(outcomes));
