/**
 * Where the service's pino logs go: stdout through a small buffered writer. pino's default (a synchronous write(2)
 * per line) and sonic-boom's async mode both cost 8–15 µs per request line, about a third of a warm hit (bench row
 * 1, issue #13); copying each line into a preallocated buffer and writing whole buffers costs well under 1 µs.
 * Lines reach stdout within LOG_FLUSH_INTERVAL_MS; what is left is written synchronously when the process exits.
 */
import { write, writeSync } from 'node:fs';

/** 64 KB per write(2): a few hundred request lines. */
export const LOG_BUFFER_BYTES = 64 * 1024;
/** A quiet instance's lines still show up within half a second. */
export const LOG_FLUSH_INTERVAL_MS = 500;
/** Lines waiting for a slow stdout are bounded; beyond this they are dropped and counted (never block serving). */
export const LOG_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** A non-blocking stdout that is full (EAGAIN) is retried after this long. */
const RETRY_MS = 20;

export interface LogDestination {
  /** What pino writes its lines to. */
  stream: { write(line: string): boolean };
  /** Hands what is buffered to write(2) now (asynchronously). */
  flush(): void;
  /** Writes everything buffered synchronously (at exit). */
  flushSync(): void;
  /** Lines dropped because stdout could not keep up. */
  dropped(): number;
}

export function createLogDestination(fd = 1, options: { bufferBytes?: number; maxQueuedBytes?: number } = {}): LogDestination {
  const bufferBytes = options.bufferBytes ?? LOG_BUFFER_BYTES;
  const maxQueuedBytes = options.maxQueuedBytes ?? LOG_MAX_QUEUED_BYTES;
  let buffer = Buffer.allocUnsafe(bufferBytes);
  let used = 0;
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let writing = false;
  let droppedLines = 0;

  const pump = (): void => {
    if (writing || queue.length === 0) return;
    writing = true;
    const chunk = queue[0]!;
    write(fd, chunk, 0, chunk.length, null, (error, written) => {
      writing = false;
      if (error && (error as NodeJS.ErrnoException).code === 'EAGAIN') {
        setTimeout(pump, RETRY_MS).unref();
        return;
      }
      // Any other error: stdout is gone; the chunk cannot be written anywhere.
      const done = error ? chunk.length : written;
      if (done < chunk.length) {
        queue[0] = chunk.subarray(done);
      } else {
        queue.shift();
      }
      queuedBytes -= done;
      pump();
    });
  };

  const rotate = (): void => {
    if (used === 0) return;
    queue.push(buffer.subarray(0, used));
    queuedBytes += used;
    buffer = Buffer.allocUnsafe(bufferBytes);
    used = 0;
  };

  const flush = (): void => {
    rotate();
    pump();
  };

  const stream = {
    write(line: string): boolean {
      // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
      const bound = line.length * 3;
      if (used + bound > buffer.length) flush();
      if (queuedBytes + used + bound > maxQueuedBytes) {
        droppedLines += 1;
        return true;
      }
      if (bound > buffer.length) {
        const bytes = Buffer.from(line, 'utf8');
        queue.push(bytes);
        queuedBytes += bytes.length;
        pump();
        return true;
      }
      used += buffer.write(line, used, 'utf8');
      return true;
    },
  };

  setInterval(flush, LOG_FLUSH_INTERVAL_MS).unref();

  const flushSync = (): void => {
    rotate();
    // The chunk being written asynchronously (if any) is queue[0]; it finishes on its own.
    for (const chunk of writing ? queue.slice(1) : queue) {
      try {
        let offset = 0;
        while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
      } catch {
        break; // stdout is gone: nothing more can be written
      }
    }
    queue.length = writing ? 1 : 0;
  };
  process.once('exit', flushSync);

  return { stream, flush, flushSync, dropped: () => droppedLines };
}
