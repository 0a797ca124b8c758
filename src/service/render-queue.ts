import { CardArtError } from '../errors.ts';

export interface RenderQueueOptions {
  /** Renders running at once. */
  concurrency: number;
  /** Renders allowed to wait; one more is refused with 503 RENDER_QUEUE_FULL. */
  limit: number;
  /** Longest wait for a slot; past it the task is refused with 503 RENDER_QUEUE_TIMEOUT (default: no bound). */
  maxWaitMs?: number;
}

export interface RenderQueue {
  /** Runs `task` when a slot is free; rejects at once when the queue is full, or when `signal` aborts while waiting. */
  run<T>(task: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks waiting for a slot. */
  waiting(): number;
  /** Tasks running now. */
  running(): number;
  /** Resolves when nothing runs or waits any more. */
  drain(): Promise<void>;
}

interface Waiter {
  start: () => void;
  cancel: (reason: unknown) => void;
}

export function createRenderQueue(options: RenderQueueOptions): RenderQueue {
  const { concurrency, limit, maxWaitMs } = options;
  const waiters: Waiter[] = [];
  let active = 0;
  let drained: Array<() => void> = [];

  function release(): void {
    active -= 1;
    const next = waiters.shift();
    if (next) next.start();
    else if (active === 0) {
      const resolvers = drained;
      drained = [];
      for (const resolve of resolvers) resolve();
    }
  }

  function runNow<T>(task: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    active += 1;
    let result: Promise<T>;
    try {
      result = task(signal);
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.finally(release);
  }

  return {
    run(task, signal = new AbortController().signal) {
      if (signal.aborted) return Promise.reject(abortReason(signal));
      if (active < concurrency) return runNow(task, signal);
      if (waiters.length >= limit) {
        return Promise.reject(
          new CardArtError('RENDER_QUEUE_FULL', 'Too many renders are waiting; retry shortly', {
            retryAfterSeconds: 1,
          }),
        );
      }
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const leave = (reason: unknown) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          waiter.cancel(reason);
        };
        const onAbort = () => leave(abortReason(signal));
        const waiter: Waiter = {
          start: () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            runNow(task, signal).then(resolve, reject);
          },
          cancel: reject,
        };
        signal.addEventListener('abort', onAbort, { once: true });
        if (maxWaitMs !== undefined) {
          timer = setTimeout(
            () =>
              leave(
                new CardArtError('RENDER_QUEUE_TIMEOUT', 'No render slot came free in time; retry shortly', {
                  retryAfterSeconds: 1,
                }),
              ),
            maxWaitMs,
          );
        }
        waiters.push(waiter);
      });
    },
    waiting: () => waiters.length,
    running: () => active,
    drain() {
      if (active === 0 && waiters.length === 0) return Promise.resolve();
      return new Promise((resolve) => drained.push(resolve));
    },
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The request was aborted', 'AbortError');
}
