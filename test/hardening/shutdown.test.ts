/**
 * SIGTERM to a spawned `src/server.ts` during in-flight cold renders: every in-flight request completes with
 * 200, new connections are refused, and the process exits 0 within SHUTDOWN_TIMEOUT_MS. The server talks to
 * this test's own simulator (as a real MDES, with OAuth signatures) so the test can make the upstream slow.
 */
import { writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator-server.ts';
import { makeTempDir, rawRequest, removeDir, sleep, spawnServer, waitFor, writeSigningKey, type SpawnedServer } from './harness.ts';

/** The service's default (service-config.ts), so the test sees what a deployment sees. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
const UPSTREAM_LATENCY_MS = 1500;
const IN_FLIGHT = 6;

/**
 * Found by this suite, tolerated until fixed (turn the flag off once fixed so the test enforces it):
 * src/server.ts shutdown(): responses finished after SIGTERM still say `Connection: keep-alive`, and
 * closeIdleConnections() runs only once, so server.close() waits out keepAliveTimeout (5 s) on each
 * kept-alive socket before the process can exit. Fix: while shutting down, send `Connection: close`
 * (e.g. a first middleware `if (shuttingDown) res.setHeader('Connection', 'close')`), or call
 * server.closeIdleConnections() on an unref'd 100 ms interval until close completes.
 */
const KNOWN_DEFECTS = { keepAliveHoldsShutdown: false };

describe('graceful shutdown on SIGTERM', () => {
  let dir: string;
  let simulator: RunningSimulator;
  let server: SpawnedServer | undefined;
  const ids = Array.from({ length: IN_FLIGHT }, (_, i) => `shutdown-${i}`);

  beforeAll(async () => {
    dir = await makeTempDir('shutdown');
    for (const [i, id] of ids.entries()) {
      const png = await sharp({ create: { width: 320, height: 202, channels: 4, background: { r: 40 * i, g: 100, b: 200, alpha: 1 } } }).png().toBuffer();
      await writeFile(path.join(dir, `${id}.png`), png);
    }
    const key = await writeSigningKey(dir);
    simulator = await startSimulator({ assetDir: dir, verifyKeyPem: key.publicKeyPem });
    server = await spawnServer({
      MDES_BASE_URL: simulator.baseUrl,
      MDES_CONSUMER_KEY: 'hardening-shutdown-test',
      MDES_SIGNING_KEY: key.keyPath,
      CACHE_DIR: path.join(dir, 'cache'),
      UPSTREAM_TIMEOUT_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await simulator?.close();
    await removeDir(dir);
  });

  it('finishes every in-flight render with 200, refuses new connections, exits 0 within the deadline', async () => {
    simulator.faults.inject('*', { kind: 'latency', ms: UPSTREAM_LATENCY_MS });
    // Keep-alive sockets, as a browser or proxy would hold them: they must not keep the process alive.
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const inFlight = ids.map((id, i) =>
      rawRequest(server!.baseUrl, {
        path: i % 2 ? `/v1/assets/${id}?width=256` : `/v1/card-art?cardBackgroundAssetId=${id}&width=512&text=1234`,
        agent,
        timeoutMs: SHUTDOWN_TIMEOUT_MS + 5000,
      }),
    );
    // Every request has reached the (slow) upstream: all are in flight, none can have been answered yet.
    // With one render slot (2 cores) the six fetches run one after another (~1.6 s each), so allow 20 s.
    await waitFor('all requests to reach the upstream', () => (simulator.counts().asset ?? 0) >= IN_FLIGHT, 20_000);

    const signalledAt = Date.now();
    server!.child.kill('SIGTERM');
    let settled = 0;
    for (const request of inFlight) void request.then(() => settled++, () => settled++);
    // The listener closes as soon as the process handles the signal; until then a probe may still be answered.
    let refusedWhileInFlight: boolean | undefined;
    for (const deadline = Date.now() + 5000; refusedWhileInFlight === undefined && Date.now() < deadline; ) {
      const outcome = await rawRequest(server!.baseUrl, { path: '/healthz', timeoutMs: 2000 }).then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code ?? error.message,
      );
      if (outcome === 'ECONNREFUSED') refusedWhileInFlight = settled < IN_FLIGHT;
      else await sleep(50);
    }
    expect(refusedWhileInFlight).toBe(true);

    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => `${r.status} ${r.headers['content-type']}`)).toEqual(
      responses.map(() => '200 image/png'),
    );
    const answeredAt = Date.now();
    const exitCode = await Promise.race([server!.exited, sleep(SHUTDOWN_TIMEOUT_MS + 2000).then(() => 'still running')]);
    console.log(
      `shutdown: in-flight answered ${answeredAt - signalledAt} ms after SIGTERM, exit ${exitCode} after ${Date.now() - signalledAt} ms; ` +
        `connection headers: ${responses.map((r) => r.headers.connection).join(',')}`,
    );
    expect(exitCode).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2000);
    // Idle keep-alive sockets must not hold the process until their keep-alive timeout (5 s).
    const exitedAfterLastAnswerMs = Date.now() - answeredAt;
    if (!KNOWN_DEFECTS.keepAliveHoldsShutdown) expect(exitedAfterLastAnswerMs).toBeLessThan(2500);
    else if (exitedAfterLastAnswerMs < 2500) console.warn('KNOWN_DEFECTS.keepAliveHoldsShutdown no longer seen: turn the flag off');
    agent.destroy();
  }, 40_000);
});
