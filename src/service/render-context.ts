/**
 * Whose cold work is running, carried with it (AsyncLocalStorage) from the request that started it down to the
 * rasterizer processes: their jobs take turns by client address, and a render that holds a render slot lends it
 * while its job waits for and runs in a rasterizer process. The rasterizer is made once, before any request, so it
 * asks this context (through the RasterizerCaller it is given) instead of taking a client with every call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RasterizerCaller } from '../core/rasterizer.ts';
import type { RenderSlot } from './render-queue.ts';

export interface RenderContext {
  /** Runs `work` as `client`'s cold work (fetches, decodes and renders it starts count as that client's). */
  forClient<T>(client: string, work: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` (a render of `client`'s) holding `slot`, which rasterizer jobs lend while they wait. The client is
   * given again: a render is started by whichever render freed its slot, in that render's context.
   */
  inSlot<T>(client: string, slot: RenderSlot, work: () => Promise<T>): Promise<T>;
  /** What the rasterizer asks: the client of the current work and what to give up while a job waits. */
  readonly rasterizerCaller: RasterizerCaller;
}

interface Current {
  client: string;
  slot?: RenderSlot;
}

export function createRenderContext(): RenderContext {
  const storage = new AsyncLocalStorage<Current>();
  return {
    forClient: (client, work) => storage.run({ client }, work),
    inSlot: (client, slot, work) => storage.run({ client, slot }, work),
    rasterizerCaller: {
      client: () => storage.getStore()?.client,
      whileWaiting: (job) => {
        const slot = storage.getStore()?.slot;
        return slot ? slot.lend(job) : job();
      },
    },
  };
}
