import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 where nothing listens, so a connection is refused at once, for "the server is not there"
 * tests (a port that was free a moment ago could be taken by another test file's listener meanwhile). 2 is
 * privileged, served by nothing, never handed out by the kernel or by freePort(), and not on fetch's list of bad
 * ports (1 is: fetch refuses it without connecting).
 */
export const REFUSED_PORT = 2;

/** Ports the tests hand out themselves: this many just below the kernel's ephemeral range. */
const PRIVATE_PORT_COUNT = 10_000;
/** Random picks before giving up (each one is bound to check it is free). */
const PICK_ATTEMPTS = 50;

/**
 * The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range): listen(0) and outgoing
 * connections only ever get ports from there, so a port below it is taken only by someone who names it.
 */
function ephemeralRangeStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > PRIVATE_PORT_COUNT + 1024) return first;
  } catch {
    // not Linux: the IANA dynamic range starts here
  }
  return 49_152;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a child process to listen on (redis-server, nginx, a
 * spawned service). Picked at random below the ephemeral range, not by listen(0): a port from the ephemeral range,
 * once released, is soon handed to another test file's listen(0) or outgoing connection, which would then hold it
 * when the child binds (or, for a restart on the same port, when it binds again).
 */
export async function freePort(): Promise<number> {
  const first = ephemeralRangeStart() - PRIVATE_PORT_COUNT;
  for (let attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
    const port = first + Math.floor(Math.random() * PRIVATE_PORT_COUNT);
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${first}-${first + PRIVATE_PORT_COUNT - 1} after ${PICK_ATTEMPTS} tries`);
}
