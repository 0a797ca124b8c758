import type { CacheEntry, TieredCache } from '../cache/cache-types.ts';
import { renderFailureKey } from '../cache-keys.ts';
import type { EncodedImage } from '../core/card-render-types.ts';
import type { NegativeCache } from '../cache/negative-cache.ts';
import type { ClientRenderGate } from './client-render-gate.ts';
import type { RenderContext } from './render-context.ts';
import type { RenderQueue } from './render-queue.ts';

export interface RenderedImageCache {
  /**
   * The cached image for `key`, else one render (through the render queue) shared by every concurrent caller.
   * The render is cancelled only when every caller waiting for it has gone.
   */
  getOrRender(key: string, render: (signal: AbortSignal) => Promise<EncodedImage>, options?: RenderOptions): Promise<EncodedImage>;
}

export type RenderKind = 'card' | 'asset' | 'requestor-logo';

export interface RenderOptions {
  /** Aborts when this caller has gone. */
  signal?: AbortSignal;
  /** Label for the render duration metric. */
  kind?: RenderKind;
  /** Whose share of cold work a render counts against, and whose turn it takes in the queues (the client address). */
  client?: string;
  /**
   * Runs before the render takes a render slot: loads what the render needs from upstream, so a slow upstream
   * holds only this client's share, never a slot other clients' cached-asset renders are waiting for.
   */
  prepare?: (signal: AbortSignal) => Promise<unknown>;
}

export interface RenderedImageCacheOptions {
  cache: TieredCache;
  queue: RenderQueue;
  /** Per-client shares of cold work; absent = none. */
  gate?: ClientRenderGate;
  /** Called with the seconds each render (queue wait excluded) took. */
  onRendered?: (kind: RenderKind, seconds: number) => void;
  /** Renders that failed for an asset's own reasons are answered from here, without queueing, for a while. */
  failures?: NegativeCache;
  /** Carries the client (and the render slot) down to the rasterizer processes; absent = they do not know it. */
  context?: RenderContext;
}

interface SharedRender {
  controller: AbortController;
  callers: number;
}

export function createRenderedImageCache(options: RenderedImageCacheOptions): RenderedImageCache {
  const { cache, queue, gate, onRendered, failures, context } = options;
  const shared = new Map<string, SharedRender>();

  function join(key: string): SharedRender {
    let entry = shared.get(key);
    if (!entry || entry.controller.signal.aborted) {
      entry = { controller: new AbortController(), callers: 0 };
      shared.set(key, entry);
    }
    entry.callers += 1;
    return entry;
  }

  function leave(key: string, entry: SharedRender, abandoned: boolean): void {
    entry.callers -= 1;
    if (entry.callers > 0) return;
    if (abandoned) entry.controller.abort(new DOMException('Every requester has gone', 'AbortError'));
    if (shared.get(key) === entry) shared.delete(key);
  }

  async function attempt(
    key: string,
    render: (signal: AbortSignal) => Promise<EncodedImage>,
    options: RenderOptions,
  ): Promise<CacheEntry> {
    const { signal, kind = 'card', prepare } = options;
    const client = options.client ?? 'unknown';
    const entry = join(key);
    let left = false;
    const onAbort = () => {
      left = true;
      leave(key, entry, true);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await cache.getOrLoad(key, async () => {
        const cold = async () => {
          await prepare?.(entry.controller.signal);
          return queue.run(
            async (queueSignal, slot) => {
              const started = performance.now();
              const result = await (context ? context.inSlot(client, slot, () => render(queueSignal)) : render(queueSignal));
              onRendered?.(kind, (performance.now() - started) / 1000);
              return result;
            },
            entry.controller.signal,
            client,
          );
        };
        const asClient = context ? () => context.forClient(client, cold) : cold;
        const image = gate ? await gate.run(client, asClient) : await asClient();
        return {
          bytes: image.bytes,
          meta: {
            contentType: image.contentType,
            width: String(image.width),
            height: String(image.height),
          },
        };
      }, { signal });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!left) leave(key, entry, false);
    }
  }

  return {
    async getOrRender(key, render, options = {}) {
      const { signal } = options;
      const failureKey = renderFailureKey(key);
      const known = failures?.recall(failureKey);
      if (known) throw known;
      let entry: CacheEntry;
      try {
        try {
          entry = await attempt(key, render, options);
        } catch (error) {
          // Joined a render that its other requesters abandoned just before: run our own once.
          if (!isAbort(error) || signal?.aborted) throw error;
          entry = await attempt(key, render, options);
        }
      } catch (error) {
        failures?.rememberIfOwn(failureKey, error);
        throw error;
      }
      return toEncodedImage(entry);
    },
  };
}

function toEncodedImage(entry: CacheEntry): EncodedImage {
  return {
    bytes: entry.bytes,
    contentType: entry.meta.contentType ?? 'application/octet-stream',
    width: Number(entry.meta.width),
    height: Number(entry.meta.height),
  };
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
