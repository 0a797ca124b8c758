import { describe, expect, test } from 'vitest';
import { CardArtError } from '../../src/errors.ts';
import { createRenderQueue } from '../../src/service/render-queue.ts';

function deferred() {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createRenderQueue', () => {
  test('runs up to `concurrency` tasks, queues up to `limit`, refuses the rest with 503 RENDER_QUEUE_FULL', async () => {
    const queue = createRenderQueue({ concurrency: 1, limit: 1 });
    const first = deferred();
    const running = queue.run(() => first.promise);
    let secondStarted = false;
    const waiting = queue.run(async () => {
      secondStarted = true;
      return 'second';
    });
    expect([queue.running(), queue.waiting()]).toEqual([1, 1]);
    const refused = await queue.run(async () => 'third').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CardArtError);
    expect(refused).toMatchObject({ status: 503, code: 'RENDER_QUEUE_FULL', retryAfterSeconds: 1 });
    expect(secondStarted).toBe(false);
    first.resolve('first');
    expect(await running).toBe('first');
    expect(await waiting).toBe('second');
    await queue.drain();
    expect([queue.running(), queue.waiting()]).toEqual([0, 0]);
  });

  test('an aborted waiter leaves the queue and never runs', async () => {
    const queue = createRenderQueue({ concurrency: 1, limit: 4 });
    const first = deferred();
    const running = queue.run(() => first.promise);
    const controller = new AbortController();
    let ran = false;
    const waiting = queue.run(async () => {
      ran = true;
      return 'never';
    }, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(queue.waiting()).toBe(0);
    first.resolve('done');
    await running;
    await queue.drain();
    expect(ran).toBe(false);
  });

  test('a failing task frees its slot', async () => {
    const queue = createRenderQueue({ concurrency: 1, limit: 1 });
    await expect(queue.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run(async () => 'next')).toBe('next');
  });
});
