/**
 * The cold renders of this instance: at most `concurrency` run at once, up to `limit` wait, and waiting renders are
 * started client by client in turn (the client with the fewest renders running first), not in arrival order, so one
 * client's backlog never stands in front of another client's render. A running render that waits for a rasterizer
 * process lends its slot meanwhile (RenderSlot.lend) and takes one back before any render that has not started.
 * Not cockatiel's Bulkhead: it queues every caller in one FIFO, and taking turns needs a queue per client.
 */
import { createClientFairQueue } from '../core/client-fair-queue.ts';
import { CardArtError } from '../errors.ts';

export interface RenderQueueOptions {
  /** Renders running at once. */
  concurrency: number;
  /** Renders allowed to wait; one more is refused with 503 RENDER_QUEUE_FULL. */
  limit: number;
  /** Longest wait for a slot; past it the task is refused with 503 RENDER_QUEUE_TIMEOUT (default: no bound). */
  maxWaitMs?: number;
}

/** The slot a running render holds. */
export interface RenderSlot {
  /**
   * Frees the slot while `work` waits on something other than this process's CPU (a rasterizer process), then
   * takes a slot back, ahead of renders that have not started, before the render goes on.
   */
  lend<T>(work: () => Promise<T>): Promise<T>;
}

export interface RenderQueue {
  /**
   * Runs `task` when a slot is free and it is `client`'s turn; rejects at once when the queue is full, or when
   * `signal` aborts while waiting. Tasks without a client take turns as one client.
   */
  run<T>(task: (signal: AbortSignal, slot: RenderSlot) => Promise<T>, signal?: AbortSignal, client?: string): Promise<T>;
  /** Tasks waiting for a slot (not counting running ones waiting to take theirs back). */
  waiting(): number;
  /** Tasks holding a slot now. */
  running(): number;
  /** Resolves when nothing runs, lends or waits any more. */
  drain(): Promise<void>;
}

interface Waiter {
  start: () => void;
}

const NO_CLIENT = '';

export function createRenderQueue(options: RenderQueueOptions): RenderQueue {
  const { concurrency, limit, maxWaitMs } = options;
  const waiters = createClientFairQueue<Waiter>();
  // Running renders whose slot was lent and that want it back: served before any waiter.
  const returning: Array<() => void> = [];
  let active = 0;
  let lent = 0;
  let drained: Array<() => void> = [];

  /** Hands a free slot to a returning render, else to the waiter whose turn it is. */
  function release(): void {
    active -= 1;
    const back = returning.shift();
    if (back) {
      active += 1;
      back();
      return;
    }
    const next = waiters.next();
    if (next) {
      active += 1;
      next.item.start();
    } else if (active === 0 && lent === 0) {
      const resolvers = drained;
      drained = [];
      for (const resolve of resolvers) resolve();
    }
  }

  /** Takes a slot back for a render that lent its own: at once when one is free, else the next one freed. */
  function takeBack(): Promise<void> {
    if (active < concurrency && returning.length === 0) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => returning.push(resolve));
  }

  function slotFor(): RenderSlot {
    // Lends in progress (a card's layers wait together: the slot is lent once for all of them).
    let lenders = 0;
    // Resolves once a lent slot is held again.
    let held: Promise<void> | undefined;
    let holdAgain = () => {};
    return {
      async lend(work) {
        // A take-back is under way: join the next lend only once the slot is held again.
        while (held && lenders === 0) await held;
        if (lenders++ === 0) {
          lent += 1;
          held = new Promise((resolve) => (holdAgain = resolve));
          release();
        }
        const again = held!;
        try {
          return await work();
        } finally {
          if (--lenders === 0) {
            const resolve = holdAgain;
            void takeBack().then(() => {
              lent -= 1;
              held = undefined;
              resolve();
            });
          }
          // Every lender goes on holding the slot.
          await again;
        }
      },
    };
  }

  function runNow<T>(task: (signal: AbortSignal, slot: RenderSlot) => Promise<T>, signal: AbortSignal, client: string): Promise<T> {
    let result: Promise<T>;
    try {
      result = task(signal, slotFor());
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.finally(() => {
      waiters.done(client);
      release();
    });
  }

  return {
    run(task, signal = new AbortController().signal, client = NO_CLIENT) {
      if (signal.aborted) return Promise.reject(abortReason(signal));
      if (active < concurrency && returning.length === 0 && waiters.waiting === 0) {
        active += 1;
        waiters.begin(client);
        return runNow(task, signal, client);
      }
      if (waiters.waiting >= limit) {
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
          if (waiters.remove(client, waiter)) reject(reason);
        };
        const onAbort = () => leave(abortReason(signal));
        const waiter: Waiter = {
          start: () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            runNow(task, signal, client).then(resolve, reject);
          },
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
        waiters.push(client, waiter);
      });
    },
    waiting: () => waiters.waiting,
    running: () => active,
    drain() {
      if (active === 0 && lent === 0 && waiters.waiting === 0) return Promise.resolve();
      return new Promise((resolve) => drained.push(resolve));
    },
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The request was aborted', 'AbortError');
}
