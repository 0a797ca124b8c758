/**
 * Waiting work grouped by client and handed out in turn, not in arrival order: the next item comes from the client
 * with the fewest items running (ties: the client served longest ago), and each client's own items go first come,
 * first served. A client may be held to `maxRunningPerClient` items at once (a number, or asked each time an item
 * is handed out). The render queue and the rasterizer processes both take their work from one of these.
 */
export interface ClientFairQueue<T> {
  push(client: string, item: T): void;
  /** Takes a waiting item out (its caller gave up); false when it was not waiting. */
  remove(client: string, item: T): boolean;
  /**
   * The item to start next, counted as running for its client until done(client); undefined when nothing waits or
   * every client with waiting items already runs its most.
   */
  next(): { client: string; item: T } | undefined;
  /** One item of `client` stopped running. */
  done(client: string): void;
  /** Every waiting item, taken out (for closing). */
  takeAll(): T[];
  /** Whether `client` has items waiting or running. */
  has(client: string): boolean;
  /** Items waiting. */
  readonly waiting: number;
  /** Clients with items waiting or running. */
  readonly clients: number;
}

export function createClientFairQueue<T>(options: { maxRunningPerClient?: number | (() => number) } = {}): ClientFairQueue<T> {
  const limit = options.maxRunningPerClient ?? Number.POSITIVE_INFINITY;
  const waitingBy = new Map<string, T[]>();
  const runningBy = new Map<string, number>();
  // When each client with work was last served (a client new to the queue counts as never served).
  const servedAt = new Map<string, number>();
  let served = 0;
  let waiting = 0;

  function forgetIfIdle(client: string): void {
    if (!waitingBy.has(client) && !runningBy.has(client)) servedAt.delete(client);
  }

  return {
    push(client, item) {
      const items = waitingBy.get(client);
      if (items) items.push(item);
      else waitingBy.set(client, [item]);
      waiting++;
    },
    remove(client, item) {
      const items = waitingBy.get(client);
      const index = items?.indexOf(item) ?? -1;
      if (!items || index < 0) return false;
      items.splice(index, 1);
      waiting--;
      if (items.length === 0) {
        waitingBy.delete(client);
        forgetIfIdle(client);
      }
      return true;
    },
    next() {
      const maxRunning = typeof limit === 'function' ? limit() : limit;
      let chosen: string | undefined;
      let fewest = Number.POSITIVE_INFINITY;
      let longestAgo = Number.POSITIVE_INFINITY;
      for (const client of waitingBy.keys()) {
        const running = runningBy.get(client) ?? 0;
        if (running >= maxRunning) continue;
        const last = servedAt.get(client) ?? -1;
        if (running < fewest || (running === fewest && last < longestAgo)) {
          chosen = client;
          fewest = running;
          longestAgo = last;
        }
      }
      if (chosen === undefined) return undefined;
      const items = waitingBy.get(chosen)!;
      const item = items.shift()!;
      if (items.length === 0) waitingBy.delete(chosen);
      waiting--;
      runningBy.set(chosen, fewest + 1);
      servedAt.set(chosen, served++);
      return { client: chosen, item };
    },
    done(client) {
      const running = (runningBy.get(client) ?? 0) - 1;
      if (running > 0) runningBy.set(client, running);
      else runningBy.delete(client);
      forgetIfIdle(client);
    },
    takeAll() {
      const items = [...waitingBy.values()].flat();
      waitingBy.clear();
      waiting = 0;
      for (const client of [...servedAt.keys()]) forgetIfIdle(client);
      return items;
    },
    has(client) {
      return waitingBy.has(client) || runningBy.has(client);
    },
    get waiting() {
      return waiting;
    },
    get clients() {
      return new Set([...waitingBy.keys(), ...runningBy.keys()]).size;
    },
  };
}
