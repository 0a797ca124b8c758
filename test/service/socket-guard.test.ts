/**
 * Hostile sockets against the real service with short timeouts (1 s headers, 1.5 s request, 1 s idle): socket
 * lifetimes are measured on the server side, from 'connection' to 'close'. Before this guard, slowloris lived
 * ~32 s against a 10 s headersTimeout (Node checks every 30 s), slow bodies ~58 s against 30 s, and clients that
 * never read were never closed. Then the guard alone, on a bare server with fixed-size answers: cuts are resets, and
 * pipelined requests wait while the socket's unread answers reach the bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listenHttp, type ListeningServer } from '../../src/service/http-server.ts';
import { serverSockets } from '../support/tcp-memory.ts';
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

function open(port = (service.server.address() as AddressInfo).port): Promise<Socket> {
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

/** How a socket ended for its client: 'ECONNRESET' for a reset, 'end' for an orderly close (FIN), within `limitMs`. */
function ending(socket: Socket, limitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still open'), limitMs);
    const done = (how: string) => {
      clearTimeout(timer);
      resolve(how);
    };
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.on('end', () => done('end'));
  });
}

describe('cuts are resets', () => {
  test('a slowloris client reading its socket sees a reset (ECONNRESET), not an orderly close', async () => {
    const socket = await open();
    socket.resume();
    const how = ending(socket, HEADERS_TIMEOUT_MS + 10_000);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(await how).toBe('ECONNRESET');
    socket.destroy();
  });

  test("a never-reading client's socket leaves nothing in the server's kernel once cut (no FIN-WAIT), and the client sees the reset after its data", async () => {
    const socket = await open();
    socket.pause();
    socket.write('GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(50));
    const lived = await lifetime(socket, IDLE_TIMEOUT_MS + 10_000);
    expect(lived).not.toBe('open');
    const { port } = service.server.address() as AddressInfo;
    const left = (await serverSockets(port)).filter((entry) => entry.peerPort === socket.localPort);
    console.log(`never-reading client cut after ${lived} ms; server-side sockets left for it: ${JSON.stringify(left)}`);
    expect(left).toEqual([]);
    const how = ending(socket, 10_000);
    socket.resume();
    expect(await how).toBe('ECONNRESET');
    socket.destroy();
  });
});

/** Every answer of the bare server: 100 KB, tagged with its request path. */
const ANSWER_BODY = Buffer.alloc(100 * 1024, 'a');
/** More than any head the bare server writes (status line, X-Path, Content-Length, Date, Connection, Keep-Alive). */
const ANSWER_HEAD_MAX = 512;
const MAX_UNREAD_BYTES = 150 * 1024;
const BARE_TIMEOUTS = { headersTimeoutMs: 2000, requestTimeoutMs: 2000, socketIdleTimeoutMs: 3000, keepAliveTimeoutMs: 300 };

/** Reads the bare server's answers off `socket` as they come: `next(n)` resolves with the X-Path of the next n. */
function answerReader(socket: Socket): { next(count: number): Promise<string[]> } {
  let buffered = Buffer.alloc(0);
  const parsed: string[] = [];
  let want: { count: number; resolve: (paths: string[]) => void; reject: (error: Error) => void } | undefined;
  const settle = () => {
    for (;;) {
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd < 0 || buffered.length < headEnd + 4 + ANSWER_BODY.length) break;
      parsed.push(/\r\nX-Path: (\S*)\r\n/i.exec(buffered.subarray(0, headEnd + 2).toString('latin1'))?.[1] ?? '?');
      buffered = buffered.subarray(headEnd + 4 + ANSWER_BODY.length);
    }
    if (want && parsed.length >= want.count) {
      const { count, resolve } = want;
      want = undefined;
      resolve(parsed.splice(0, count));
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    settle();
  });
  socket.on('close', () => want?.reject(new Error(`closed with ${parsed.length} answers read`)));
  return {
    next: (count) =>
      new Promise((resolve, reject) => {
        want = { count, resolve, reject };
        settle();
      }),
  };
}

describe('the guard on a bare server (100 KB answers, SOCKET_MAX_UNREAD_KB 150, 300 ms keep-alive)', () => {
  let bare: ListeningServer;
  let started = 0;

  beforeAll(async () => {
    const app = (req: IncomingMessage, res: ServerResponse) => {
      started += 1;
      res.writeHead(200, { 'X-Path': req.url ?? '', 'Content-Length': ANSWER_BODY.length });
      res.end(ANSWER_BODY);
    };
    bare = await listenHttp(app, { port: 0, host: '127.0.0.1', timeouts: BARE_TIMEOUTS, maxUnreadBytes: MAX_UNREAD_BYTES });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      bare?.server.close(() => resolve());
      bare?.server.closeAllConnections();
    });
  });

  test('a pipelining client that does not read is answered at most the bound plus one answer ahead; once it reads, every answer comes, in order', async () => {
    const requests = 20;
    const startedBefore = started;
    const waitedBefore = bare.sockets.waited();
    const socket = await open(bare.port);
    socket.pause();
    socket.write(Array.from({ length: requests }, (_, i) => `GET /${i + 1} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    // Five guard ticks (a tenth of the 2 s timeouts each) with the client not reading, well within the 3 s idle timeout.
    let peakSendQueue = 0;
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const entry of await serverSockets(bare.port)) if (entry.peerPort === socket.localPort) peakSendQueue = Math.max(peakSendQueue, entry.sendQueue);
    }
    const startedUnread = started - startedBefore;
    console.log(`pipelining client not reading: ${startedUnread} of ${requests} requests started, ${bare.sockets.waited() - waitedBefore} waited, server Send-Q peak ${peakSendQueue} bytes`);
    expect(bare.sockets.waited() - waitedBefore).toBe(requests - 1);
    expect(startedUnread).toBeLessThan(requests);
    expect(peakSendQueue).toBeLessThanOrEqual(MAX_UNREAD_BYTES + ANSWER_BODY.length + ANSWER_HEAD_MAX);

    const answers = answerReader(socket);
    socket.resume();
    expect(await answers.next(requests)).toEqual(Array.from({ length: requests }, (_, i) => `/${i + 1}`));
    expect(started - startedBefore).toBe(requests);
    socket.destroy();
  }, 30_000);

  test('a client that reads each answer before sending its next request never waits, however much it has been sent', async () => {
    const waitedBefore = bare.sockets.waited();
    const socket = await open(bare.port);
    const answers = answerReader(socket);
    const requests = 30;
    for (let i = 1; i <= requests; i++) {
      socket.write(`GET /seq-${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(await answers.next(1)).toEqual([`/seq-${i}`]);
    }
    // 3 MB answered on one socket, twenty times the bound, and no request held back.
    expect(bare.sockets.waited() - waitedBefore).toBe(0);
    socket.destroy();
  }, 30_000);

  test('a kept-alive socket left idle past the keep-alive timeout is reset', async () => {
    const socket = await open(bare.port);
    socket.resume();
    const how = ending(socket, 10_000);
    socket.write('GET /once HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await how).toBe('ECONNRESET');
    socket.destroy();
  });
});
