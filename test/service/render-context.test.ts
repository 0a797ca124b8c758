import { describe, expect, it } from 'vitest';
import { createRenderContext } from '../../src/service/render-context.ts';
import { createRenderQueue, type RenderSlot } from '../../src/service/render-queue.ts';

describe('createRenderContext', () => {
  it('tells the rasterizer whose work is running, and lends the render slot only while a job waits inside a render', async () => {
    const context = createRenderContext();
    const caller = context.rasterizerCaller;
    expect(caller.client()).toBeUndefined();
    const lends: string[] = [];
    const slot: RenderSlot = {
      async lend(work) {
        lends.push('lent');
        return work();
      },
    };
    await context.forClient('10.0.0.1', async () => {
      // Fetching and decoding (no slot held): the job runs as is.
      expect(caller.client()).toBe('10.0.0.1');
      expect(await caller.whileWaiting(async () => 'page size')).toBe('page size');
      expect(lends).toEqual([]);
      await context.inSlot('10.0.0.1', slot, async () => {
        expect(await caller.whileWaiting(async () => 'layer')).toBe('layer');
      });
    });
    expect(lends).toEqual(['lent']);
  });

  it('a render started when another client’s render frees a slot runs as its own client', async () => {
    const context = createRenderContext();
    const queue = createRenderQueue({ concurrency: 1, limit: 4 });
    let release!: () => void;
    const first = context.forClient('a', () =>
      queue.run((_signal, slot) => context.inSlot('a', slot, () => new Promise<void>((resolve) => (release = resolve))), undefined, 'a'),
    );
    const seen = context.forClient('b', () =>
      queue.run((_signal, slot) => context.inSlot('b', slot, async () => context.rasterizerCaller.client()), undefined, 'b'),
    );
    // b's render starts inside a's release, in a's asynchronous context.
    context.forClient('a', async () => release());
    await first;
    expect(await seen).toBe('b');
  });
});
