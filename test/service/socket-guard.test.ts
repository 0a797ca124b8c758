/**
 * Hostile sockets against the real service with short timeouts (1 s headers, 1.5 s request, 1 s idle): socket
 * lifetimes are measured on the server side, from 'connection' to 'close'. Before this guard, slowloris lived
 * ~32 s against a 10 s headersTimeout (Node checks every 30 s), slow bodies ~58 s against 30 s, and clients that
 * never read were never closed.
 */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';
import { guardTickMs } from '../../src/service/socket-guard.ts';
import { watchLoopDelay } from '../support/loop-delay.ts';

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 1500;
const IDLE_TIMEOUT_MS = 1000;
const TICK_MS = guardTickMs({ headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS, socketIdleTimeoutMs: IDLE_TIMEOUT_MS, keepAliveTimeoutMs: 5000 });
/**
 * A socket is cut within two guard ticks of its timeout; 300 ms more for the events around it. Each test adds twice
 * how long a loaded machine held this process up meanwhile (watchLoopDelay): the guard's tick and the close event
 * that ends the measurement can each run that late.
 */
const SLACK_MS = 2 * TICK_MS + 300;

let fixtures: ServiceFixtures;
let service: TestService;
/** Server-side times (Date.now) of every socket, by the client's local port: opened, its last answer sent, closed. */
const serverSide = new Map<number, { opened: number; answered?: number; closed: Promise<number> }>();

beforeAll(async () => {
  fixtures = await makeServiceFixtures();
  service = await startTestService(fixtures.dir, {
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_SOCKET_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
  });
  service.server.on('connection', (socket: Socket) => {
    const opened = Date.now();
    serverSide.set(socket.remotePort!, { opened, closed: new Promise((resolve) => socket.once('close', () => resolve(Date.now()))) });
  });
  service.server.on('request', (req, res) => {
    res.once('close', () => {
      const times = serverSide.get(req.socket.remotePort!);
      if (times) times.answered = Date.now();
    });
  });
});

afterAll(async () => {
  await service?.close();
  await fixtures?.cleanup();
});

function open(): Promise<Socket> {
  const { port } = service.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', () => {}); // a reset is what we expect from the server
    socket.once('error', reject);
  });
}

/** The server-side lifetime of `socket` (ms), or 'open' if it outlives `limitMs`. */
async function lifetime(socket: Socket, limitMs: number): Promise<number | 'open'> {
  const port = socket.localPort!;
  for (let i = 0; i < 20 && !serverSide.has(port); i++) await new Promise((r) => setTimeout(r, 10));
  const times = serverSide.get(port);
  if (!times) throw new Error('the server never saw the connection');
  const closed = times.closed.then((at) => at - times.opened);
  return Promise.race([closed, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), limitMs))]);
}

/** Writes `chunks` one every `everyMs` until the socket closes or they run out (bounded by their number). */
function trickle(socket: Socket, chunks: string[], everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= chunks.length) {
      clearInterval(timer);
      return;
    }
    socket.write(chunks[i++]!);
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

describe('socket timeouts enforced per socket', () => {
  test('slowloris (a header line every 200 ms, never finished) is closed near HTTP_HEADERS_TIMEOUT_MS', async () => {
    const stalls = watchLoopDelay();
    const socket = await open();
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    trickle(socket, Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: y\r\n`), 200);
    const lived = await lifetime(socket, HEADERS_TIMEOUT_MS + 10_000);
    console.log(`slowloris lived ${lived} ms (headers timeout ${HEADERS_TIMEOUT_MS} ms)`);
    expect(lived).not.toBe('open');
    expect(lived as number).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS + 2 * stalls.stop());
    socket.destroy();
  });

  test('a connection that never sends a byte is closed near HTTP_HEADERS_TIMEOUT_MS', async () => {
    const stalls = watchLoopDelay();
    const socket = await open();
    const lived = await lifetime(socket, HEADERS_TIMEOUT_MS + 10_000);
    console.log(`silent connection lived ${lived} ms`);
    expect(lived).not.toBe('open');
    expect(lived as number).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS + 2 * stalls.stop());
    socket.destroy();
  });

  test('a kept-alive connection that trickles its next request head after an answer is closed near HTTP_HEADERS_TIMEOUT_MS after the answer', async () => {
    const stalls = watchLoopDelay();
    const socket = await open();
    const port = socket.localPort!;
    const answered = new Promise((resolve) => socket.once('data', resolve));
    // The first request comes late within its own headers timeout, so a timer left from the connection would cut early.
    await new Promise((r) => setTimeout(r, HEADERS_TIMEOUT_MS * 0.6));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await answered;
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    trickle(socket, Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: y\r\n`), 200);
    const lived = await lifetime(socket, HEADERS_TIMEOUT_MS + 10_000);
    // When the server sent its answer, on the server's side (the client reads it a scheduler's whim later).
    const times = serverSide.get(port)!;
    const answeredAfter = times.answered! - times.opened;
    console.log(`slowloris after a kept-alive answer lived ${lived} ms (answer at ${answeredAfter} ms)`);
    expect(lived).not.toBe('open');
    // The header timer is re-armed by the answer, not left from the first request, nor forgotten. The guard's clock
    // reads once per tick, so a late tick (a stall) can start the timer early by as much.
    const stall = stalls.stop();
    expect(lived as number).toBeGreaterThanOrEqual(answeredAfter + HEADERS_TIMEOUT_MS - 200 - stall);
    expect(lived as number).toBeLessThan(answeredAfter + HEADERS_TIMEOUT_MS + SLACK_MS + 2 * stall);
    socket.destroy();
  });

  test('a slow body (a byte every 200 ms of 1000 announced) is closed near HTTP_REQUEST_TIMEOUT_MS', async () => {
    const stalls = watchLoopDelay();
    const socket = await open();
    socket.write('POST /v1/card-art HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    trickle(socket, Array.from({ length: 100 }, () => ' '), 200);
    const lived = await lifetime(socket, REQUEST_TIMEOUT_MS + 10_000);
    console.log(`slow body lived ${lived} ms (request timeout ${REQUEST_TIMEOUT_MS} ms)`);
    expect(lived).not.toBe('open');
    expect(lived as number).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS + 2 * stalls.stop());
    socket.destroy();
  });

  test('20 clients that pipeline requests and never read their answers are all closed near HTTP_SOCKET_IDLE_TIMEOUT_MS', async () => {
    const request = 'GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n';
    const sockets = await Promise.all(Array.from({ length: 20 }, () => open()));
    for (const socket of sockets) {
      socket.pause(); // never read: the answers pile up in the kernel buffers, then in the server
      // 60 answers of ~188 KB, 11 MB a client: more than loopback's socket buffers hold. The server builds the
      // answer of every pipelined request it has read, so 400 had this process build up to 1.5 GB of JSON, which
      // outlasted the test's 30 s on a loaded machine (load 5 to 25) long after the sockets were cut.
      socket.write(request.repeat(60));
    }
    const lived = await Promise.all(sockets.map((socket) => lifetime(socket, IDLE_TIMEOUT_MS + 15_000)));
    const stillOpen = lived.filter((l) => l === 'open').length;
    const longest = Math.max(...lived.filter((l): l is number => l !== 'open'));
    console.log(`never-reading clients: ${stillOpen}/20 open after the limit; longest lived ${longest} ms`);
    expect(stillOpen).toBe(0);
    for (const socket of sockets) socket.destroy();
  }, 30_000);

  test('an ordinary keep-alive client (fetch reuses its socket) is not disturbed', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${service.baseUrl}/healthz`);
      expect(response.status).toBe(200);
      await response.text();
      await new Promise((r) => setTimeout(r, 300));
    }
  });
});
