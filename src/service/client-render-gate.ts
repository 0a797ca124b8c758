/**
 * Fair shares of cold work: at most `maxPerClient` cold renders (upstream fetches included) queued or running
 * per client address, one cockatiel bulkhead per client. A client past its share gets 429 RENDER_CLIENT_LIMIT
 * at once, so one client's flood cannot fill the render queue that every other client shares.
 */
import { BulkheadPolicy, BulkheadRejectedError } from 'cockatiel';
import { CardArtError } from '../errors.ts';

/** 8: a browser opens at most 6 connections per host; a page of cards from one user fits, a flood does not. */
export const DEFAULT_RENDER_MAX_PER_CLIENT = 8;
/** 10 s: a queued render that waits longer is better retried (the client gets 503 + Retry-After). */
export const DEFAULT_RENDER_QUEUE_WAIT_MS = 10_000;

export interface ClientRenderGate {
  /** Runs `task` within `client`'s share; rejects 429 RENDER_CLIENT_LIMIT when the share is taken. */
  run<T>(client: string, task: () => Promise<T>): Promise<T>;
  /** Clients with cold work in progress. */
  clients(): number;
  /** Cold renders refused so far because the client had its share. */
  refused(): number;
}

export function createClientRenderGate(options: { maxPerClient: number }): ClientRenderGate {
  const { maxPerClient } = options;
  const shares = new Map<string, BulkheadPolicy>();
  let refused = 0;
  return {
    async run(client, task) {
      if (maxPerClient === 0) return task();
      let share = shares.get(client);
      if (!share) {
        share = new BulkheadPolicy(maxPerClient, 0);
        shares.set(client, share);
      }
      try {
        return await share.execute(task);
      } catch (error) {
        if (error instanceof BulkheadRejectedError) {
          refused += 1;
          throw new CardArtError('RENDER_CLIENT_LIMIT', `This client already has ${maxPerClient} renders in progress; retry shortly`, {
            retryAfterSeconds: 1,
          });
        }
        throw error;
      } finally {
        // Only clients with work in progress are remembered, so the map is bounded by the work itself.
        if (share.executionSlots === maxPerClient && shares.get(client) === share) shares.delete(client);
      }
    },
    clients: () => shares.size,
    refused: () => refused,
  };
}
