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
import { makeTempDir, rawRequest, removeDir, sleep, SPAWN_DEADLINE_MS, spawnServer, waitFor, writeSigningKey, type SpawnedServer } from './harness.ts';

/**
 * Above the service's 10 s default: after SIGTERM the six cold renders still run one at a time through the one
 * render slot of a 2-core machine, which took up to 8.6 s on a loaded one, and at the deadline the process exits 1
 * cutting them off (socket hang up). The deadline bounds stuck work; this test proves unstuck work is finished.
 */
const SHUTDOWN_TIMEOUT_MS = 30_000;
/**
 * Well above the spread of the six arrivals at the upstream (up to 1.1 s seen on a loaded machine) plus the time to
 * signal, so none is answered before SIGTERM (3 s left too little room on a machine at a load of 15 or more).
 */
const UPSTREAM_LATENCY_MS = 6000;
/**
 * Keep-alive and headers timeouts long enough that a kept-alive socket holding the exit would hold it for 20 s: the
 * bound on the exit after the last answer is half of that, so a slow exit on a loaded machine is not taken for it.
 */
const HELD_SOCKET_MS = 20_000;
const EXIT_AFTER_LAST_ANSWER_MS = HELD_SOCKET_MS / 2;
const IN_FLIGHT = 6;
/** Bound on the six requests reaching the upstream (milliseconds on an idle machine, a few seconds on a loaded one). */
const REACH_UPSTREAM_MS = 10_000;

/**
 * Found by this suite, tolerated until fixed (turn the flag off once fixed so the test enforces it):
 * src/server.ts shutdown(): responses finished after SIGTERM still say `Connection: keep-alive`, and
 * closeIdleConnections() runs only once, so server.close() waits out keepAliveTimeout on each
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
      UPSTREAM_TIMEOUT_MS: String(UPSTREAM_LATENCY_MS + 10_000),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(HELD_SOCKET_MS),
      HTTP_HEADERS_TIMEOUT_MS: String(HELD_SOCKET_MS),
    });
  }, SPAWN_DEADLINE_MS + 30_000);

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
    const sentAt = Date.now();
    const inFlight = ids.map((id, i) =>
      rawRequest(server!.baseUrl, {
        path: i % 2 ? `/v1/assets/${id}?width=256` : `/v1/card-art?cardBackgroundAssetId=${id}&width=512&text=1234`,
        agent,
        timeoutMs: REACH_UPSTREAM_MS + SHUTDOWN_TIMEOUT_MS + 5000,
      }),
    );
    let settled = 0;
    for (const request of inFlight) void request.then(() => settled++, () => settled++);
    // Every request has reached the (slow) upstream. Fetches run before a request takes a render slot, so
    // all six wait on the upstream together; none can have been answered yet, which is checked below.
    let firstArrivalMs: number | undefined;
    await waitFor(
      'all requests to reach the upstream',
      () => {
        const arrived = simulator.counts().asset ?? 0;
        if (arrived > 0) firstArrivalMs ??= Date.now() - sentAt;
        return arrived >= IN_FLIGHT;
      },
      REACH_UPSTREAM_MS,
    );
    const lastArrivalMs = Date.now() - sentAt;
    expect(settled, 'requests answered before SIGTERM (each must still be in flight)').toBe(0);

    const signalledAt = Date.now();
    server!.child.kill('SIGTERM');
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
      `shutdown: upstream reached ${firstArrivalMs}-${lastArrivalMs} ms after sending; in-flight answered ${answeredAt - signalledAt} ms after SIGTERM, exit ${exitCode} after ${Date.now() - signalledAt} ms; ` +
        `connection headers: ${responses.map((r) => r.headers.connection).join(',')}`,
    );
    expect(exitCode).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2000);
    // Idle keep-alive sockets must not hold the process until their keep-alive timeout (HELD_SOCKET_MS).
    const exitedAfterLastAnswerMs = Date.now() - answeredAt;
    if (!KNOWN_DEFECTS.keepAliveHoldsShutdown) expect(exitedAfterLastAnswerMs).toBeLessThan(EXIT_AFTER_LAST_ANSWER_MS);
    else if (exitedAfterLastAnswerMs < EXIT_AFTER_LAST_ANSWER_MS) console.warn('KNOWN_DEFECTS.keepAliveHoldsShutdown no longer seen: turn the flag off');
    agent.destroy();
  }, 70_000);
});
