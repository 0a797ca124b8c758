/**
 * The kernel's unacknowledged bytes of a real loopback socket, read from /proc/net/tcp by the socket's inode, against
 * what `ss` reports for the same socket, while its client does not read and after it has read everything.
 */
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createUnacknowledgedBytesReader } from '../../src/service/kernel-send-queue.ts';
import { serverSockets } from '../support/tcp-memory.ts';

/** Below the kernel's send buffer on loopback (~2.6 MB at the start), so the kernel takes it all at once. */
const SENT_BYTES = 1024 * 1024;

let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

/** A loopback connection: the server's socket and a paused client socket. */
async function connection(): Promise<{ serverSide: Socket; client: Socket; port: number }> {
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect({ host: '127.0.0.1', port });
  client.pause();
  sockets.push(client);
  const [serverSide] = await accepted;
  sockets.push(serverSide);
  return { serverSide, client, port };
}

/** Reads until two readings 50 ms apart agree (the loopback transfer settles within milliseconds), at most 5 s. */
async function settled(read: () => Promise<number | undefined>): Promise<number | undefined> {
  let previous = await read();
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const current = await read();
    if (current === previous) return current;
    previous = current;
  }
  throw new Error('the socket queue never settled');
}

describe('unacknowledged bytes from /proc/net/tcp', () => {
  it('reports what a non-reading client has not acknowledged, as ss does, and 0 once it has read everything', async () => {
    const { serverSide, client, port } = await connection();
    const reader = createUnacknowledgedBytesReader();
    const read = async () => (await reader([serverSide]))[0];
    expect(await read()).toBe(0);

    await new Promise<void>((resolve, reject) => serverSide.write(Buffer.alloc(SENT_BYTES, 1), (error) => (error ? reject(error) : resolve())));
    const unread = await settled(read);
    const [ss] = await serverSockets(port);
    console.log(`1 MB sent to a client that does not read: ${unread} bytes unacknowledged (ss Send-Q ${ss?.sendQueue})`);
    // The client's kernel acknowledged what fits its receive buffer; the rest waits in the server's kernel.
    expect(unread).toBeGreaterThan(0);
    expect(unread).toBeLessThan(SENT_BYTES);
    expect(unread).toBe(ss?.sendQueue);

    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    client.resume();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (received < SENT_BYTES) return;
        clearInterval(check);
        resolve();
      }, 10);
    });
    expect(await settled(read)).toBe(0);
  });

  it('answers undefined for a socket it cannot find (closed: no descriptor)', async () => {
    const { serverSide } = await connection();
    const reader = createUnacknowledgedBytesReader();
    serverSide.destroy();
    await once(serverSide, 'close');
    expect(await reader([serverSide])).toEqual([undefined]);
  });
});
