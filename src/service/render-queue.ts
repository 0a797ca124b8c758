/**
 * The cold renders of this instance: at most `concurrency` run at once, up to `limit` wait, and waiting renders are
 * started client by client in turn (the client with the fewest renders running first), not in arrival order, so one
 * client's backlog never stands in front of another client's render. The slots are shared out among the clients
 * present (with renders waiting or running, or one that ended within RECENT_CLIENT_MS): each may start renders up to
 * its share, and one client alone up to all slots but one, so another client's render finds a slot free instead of
 * waiting for one of its renders to end, and runs beside at most its share. A running render that waits for a
 * rasterizer process lends its slot meanwhile (RenderSlot.lend) and takes one back before any render that has not
 * started. Not cockatiel's Bulkhead: it queues every caller in one FIFO, and taking turns needs a queue per client.
 */
import { createClientFairQueue } from '../core/client-fair-queue.ts';
import { CardArtError } from '../errors.ts';

export interface RenderQueueOptions {
  /** Renders running at once (one client alone: all but one of them, when there are several). */
  concurrency: number;
  /** Renders allowed to wait; one more is refused with 503 RENDER_QUEUE_FULL. */
  limit: number;
  /** Longest wait for a slot; past it the task is refused with 503 RENDER_QUEUE_TIMEOUT (default: no bound). */
  maxWaitMs?: number;
  /** Clock (ms) for RECENT_CLIENT_MS; default performance.now. */
  now?: () => number;
}

/**
 * 1 s: a client whose last render ended this recently still counts as present, so the next card of its page (a
 * browser asks for several, one after another on each connection) finds its share of the slots free.
 */
export const RECENT_CLIENT_MS = 1000;

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
  const now = options.now ?? (() => performance.now());
  // Clients whose last render ended, and when (kept for RECENT_CLIENT_MS).
  const recent = new Map<string, number>();
  const waiters = createClientFairQueue<Waiter>({ maxRunningPerClient: share });
  // Running renders whose slot was lent and that want it back: served before any waiter.
  const returning: Array<() => void> = [];
  let active = 0;
  let lent = 0;
  let drained: Array<() => void> = [];

  /** The slots one client may hold: an equal part for each client present, all but one when it is alone, at least one. */
  function share(): number {
    const at = now();
    let present = waiters.clients;
    for (const [client, endedAt] of recent) {
      if (at - endedAt > RECENT_CLIENT_MS) recent.delete(client);
      else if (!waiters.has(client)) present++;
    }
    return Math.max(1, Math.min(concurrency - 1, Math.floor(concurrency / Math.max(1, present))));
  }

  /** Hands free slots to returning renders first, then to the waiters whose turn it is. */
  function dispatch(): void {
    while (active < concurrency) {
      const back = returning.shift();
      if (back) {
        active += 1;
        back();
        continue;
      }
      const next = waiters.next();
      if (!next) break;
      active += 1;
      next.item.start();
    }
    if (active === 0 && lent === 0 && waiters.waiting === 0) {
      const resolvers = drained;
      drained = [];
      for (const resolve of resolvers) resolve();
    }
  }

  function release(): void {
    active -= 1;
    dispatch();
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
      recent.set(client, now());
      release();
    });
  }

  return {
    run(task, signal = new AbortController().signal, client = NO_CLIENT) {
      if (signal.aborted) return Promise.reject(abortReason(signal));
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
        waiters.push(client, waiter);
        dispatch();
        if (!waiters.remove(client, waiter)) return;
        // It has to wait: refused when `limit` renders already do.
        if (waiters.waiting >= limit) {
          reject(new CardArtError('RENDER_QUEUE_FULL', 'Too many renders are waiting; retry shortly', { retryAfterSeconds: 1 }));
          return;
        }
        waiters.push(client, waiter);
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
