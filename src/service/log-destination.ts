/**
 * Where the service's pino logs go: stdout, buffered. A synchronous write(2) per request line cost ~15 % of a warm
 * hit (bench row 1); lines are collected up to LOG_BUFFER_BYTES and written at least every LOG_FLUSH_INTERVAL_MS,
 * and whatever is left is written synchronously when the process exits.
 */
import { pino, type DestinationStream } from 'pino';

/** 8 KB: about fifty request lines per write(2) (sonic-boom needs it below its 16 KB maxWrite). */
export const LOG_BUFFER_BYTES = 8 * 1024;
/** A quiet instance's lines still show up within half a second. */
export const LOG_FLUSH_INTERVAL_MS = 500;

export interface LogDestination {
  stream: DestinationStream;
  /** Writes what is buffered now (asynchronously). */
  flush(): void;
}

export function createLogDestination(fd = 1): LogDestination {
  const destination = pino.destination({ dest: fd, sync: false, minLength: LOG_BUFFER_BYTES });
  const flush = () => {
    try {
      destination.flush();
    } catch {
      // not open yet or already closed: nothing to write
    }
  };
  setInterval(flush, LOG_FLUSH_INTERVAL_MS).unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // the fd is gone (stdout closed): the lines cannot be written anywhere
    }
  });
  return { stream: destination, flush };
}
