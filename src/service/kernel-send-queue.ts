/**
 * How many bytes the kernel still holds for a socket that its peer has not acknowledged (sent or not yet sent):
 * Linux's `tx_queue` column of /proc/net/tcp and /proc/net/tcp6 (write_seq - snd_una), found by the socket's inode.
 * Node does not expose it (no SIOCOUTQ, no TCP_INFO); the socket guard asks only for sockets whose pipelined
 * requests wait, once per tick, so the files are read only while some client is that far behind.
 */
import { readFile, readlink } from 'node:fs/promises';
import type { Socket } from 'node:net';

/** For each socket, its unacknowledged bytes in the kernel, or undefined where that cannot be known (not Linux). */
export type UnacknowledgedBytesReader = (sockets: readonly Socket[]) => Promise<(number | undefined)[]>;

const PROC_NET_TCP_FILES = ['/proc/net/tcp', '/proc/net/tcp6'];
/** Columns of a /proc/net/tcp line: `sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode`. */
const QUEUES_COLUMN = 4;
const INODE_COLUMN = 9;

/** The socket's file descriptor: libuv's TCP handle carries it on Unix (not part of Node's documented API). */
const fdOf = (socket: Socket): number | undefined => (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;

export function createUnacknowledgedBytesReader(): UnacknowledgedBytesReader {
  // A socket's inode never changes; it is looked up once (a readlink of its descriptor).
  const inodes = new WeakMap<Socket, string | null>();

  async function inodeOf(socket: Socket): Promise<string | null> {
    const known = inodes.get(socket);
    if (known !== undefined) return known;
    const fd = fdOf(socket);
    let inode: string | null = null;
    if (typeof fd === 'number' && fd >= 0) {
      const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
      inode = /^socket:\[(\d+)\]$/.exec(target)?.[1] ?? null;
    }
    inodes.set(socket, inode);
    return inode;
  }

  return async (sockets) => {
    const wanted = await Promise.all(sockets.map(inodeOf));
    const lookingFor = new Set(wanted.filter((inode): inode is string => inode !== null));
    const unacknowledged = new Map<string, number>();
    if (lookingFor.size > 0) {
      const files = await Promise.all(PROC_NET_TCP_FILES.map((file) => readFile(file, 'latin1').catch(() => '')));
      for (const text of files) {
        for (const line of text.split('\n')) {
          const columns = line.trim().split(/\s+/);
          const inode = columns[INODE_COLUMN];
          if (inode === undefined || !lookingFor.has(inode)) continue;
          unacknowledged.set(inode, Number.parseInt(columns[QUEUES_COLUMN]!.split(':')[0]!, 16));
        }
      }
    }
    return wanted.map((inode) => (inode === null ? undefined : unacknowledged.get(inode)));
  };
}
