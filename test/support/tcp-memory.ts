/**
 * What the kernel holds for TCP sockets (Linux): the host-wide total from /proc/net/sockstat and, per server socket
 * of one port, the queues and memory `ss -tanm` reports. Used by tests of clients that never read.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** /proc/net/sockstat counts TCP memory in pages. */
const PAGE_BYTES = 4096;

/** Kernel memory of every TCP socket on the host (all network namespaces share the one counter), in bytes. */
export async function tcpMemoryBytes(): Promise<number> {
  const sockstat = await readFile('/proc/net/sockstat', 'utf8');
  const pages = /^TCP:.*\bmem (\d+)/m.exec(sockstat)?.[1];
  if (pages === undefined) throw new Error(`no TCP mem in /proc/net/sockstat: ${sockstat}`);
  return Number(pages) * PAGE_BYTES;
}

export interface TcpSocketInfo {
  /** ss's state name, e.g. ESTAB, FIN-WAIT-1. */
  state: string;
  sendQueue: number;
  receiveQueue: number;
  /** The other end's port. */
  peerPort: number;
  /** Memory the kernel has charged to the socket: receive + send queues (skmem r + w). */
  memoryBytes: number;
}

/**
 * The server side of a port: the non-listening TCP sockets whose local port is `port`, in any state ss lists.
 * Send-Q is the bytes not yet acknowledged by the peer (sent or not); skmem w is the send queue's memory.
 */
export async function serverSockets(port: number): Promise<TcpSocketInfo[]> {
  const { stdout } = await run('ss', ['-tanmH', `sport = :${port}`], { maxBuffer: 64 * 1024 * 1024 });
  const sockets: TcpSocketInfo[] = [];
  // Each socket is a line of state, queues and addresses, followed by its skmem:(...) (on the same or the next line).
  for (const match of stdout.matchAll(/^(\S+)\s+(\d+)\s+(\d+)\s+\S+\s+\S*:(\d+)\b[^\n]*\n?\s*skmem:\(([^)]*)\)/gm)) {
    const [, state, receiveQueue, sendQueue, peerPort, skmem] = match;
    if (state === 'LISTEN') continue;
    const field = (name: string) => Number(new RegExp(`(?:^|,)${name}(\\d+)`).exec(skmem!)?.[1] ?? 0);
    sockets.push({
      state: state!,
      receiveQueue: Number(receiveQueue),
      sendQueue: Number(sendQueue),
      peerPort: Number(peerPort),
      memoryBytes: field('r') + field('w'),
    });
  }
  return sockets;
}

export const MB = 1024 * 1024;
export const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
