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

  test('starts waiting renders client by client in turn, not in arrival order', async () => {
    const queue = createRenderQueue({ concurrency: 1, limit: 10 });
    const first = deferred();
    const started: string[] = [];
    const task = (name: string) => async () => {
      started.push(name);
      return name;
    };
    const runs = [queue.run(() => first.promise, undefined, 'a')];
    for (const [name, client] of [['a1', 'a'], ['a2', 'a'], ['a3', 'a'], ['b1', 'b'], ['c1', 'c']] as const) runs.push(queue.run(task(name), undefined, client));
    expect(queue.waiting()).toBe(5);
    first.resolve('a0');
    await Promise.all(runs);
    expect(started).toEqual(['b1', 'c1', 'a1', 'a2', 'a3']);
  });

  test('a render lends its slot while it waits elsewhere, then takes one back ahead of renders not yet started', async () => {
    const queue = createRenderQueue({ concurrency: 1, limit: 10 });
    const elsewhere = deferred();
    const second = deferred();
    const events: string[] = [];
    const lender = queue.run(async (_signal, slot) => {
      events.push('A starts');
      // Two jobs waiting at once lend the one slot once.
      await Promise.all([slot.lend(() => elsewhere.promise), slot.lend(async () => 'quick')]);
      events.push(`A goes on (running ${queue.running()})`);
    }, undefined, 'a');
    const other = queue.run(async () => {
      events.push(`B starts (running ${queue.running()})`);
      await second.promise;
      events.push('B ends');
    }, undefined, 'b');
    const later = queue.run(async () => {
      events.push('C starts');
    }, undefined, 'c');
    await new Promise((resolve) => setImmediate(resolve));
    elsewhere.resolve('done');
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['A starts', 'B starts (running 1)']);
    second.resolve('done');
    await Promise.all([lender, other, later]);
    expect(events).toEqual(['A starts', 'B starts (running 1)', 'B ends', 'A goes on (running 1)', 'C starts']);
    await queue.drain();
    expect([queue.running(), queue.waiting()]).toEqual([0, 0]);
  });

  test('holds one client to all slots but one: another client starts at once while it has renders waiting', async () => {
    const queue = createRenderQueue({ concurrency: 3, limit: 10 });
    const gates = Array.from({ length: 4 }, deferred);
    const flood = gates.map((gate) => queue.run(() => gate.promise, undefined, 'flood'));
    expect([queue.running(), queue.waiting()]).toEqual([2, 2]);
    let otherStarted = false;
    const other = queue.run(async () => {
      otherStarted = true;
      return 'other';
    }, undefined, 'other');
    expect(otherStarted).toBe(true);
    expect(await other).toBe('other');
    for (const gate of gates) gate.resolve('flood');
    expect(await Promise.all(flood)).toEqual(['flood', 'flood', 'flood', 'flood']);
    // One client alone still has every slot but one; with one slot, that one.
    const single = createRenderQueue({ concurrency: 1, limit: 1 });
    const only = deferred();
    const running = single.run(() => only.promise, undefined, 'alone');
    expect(single.running()).toBe(1);
    only.resolve('done');
    expect(await running).toBe('done');
  });

  test('shares the slots among the clients present, a client that just finished counting for a second', async () => {
    let clock = 0;
    const queue = createRenderQueue({ concurrency: 4, limit: 10, now: () => clock });
    const gates = Array.from({ length: 6 }, deferred);
    const flood = gates.map((gate) => queue.run(() => gate.promise, undefined, 'flood'));
    // Alone, the flood holds all slots but one.
    expect([queue.running(), queue.waiting()]).toEqual([3, 3]);
    expect(await queue.run(async () => 'quick', undefined, 'other')).toBe('quick');
    // 'other' finished just now, so it counts as present: the flood's share is half the slots.
    gates[0]!.resolve('flood');
    await flood[0];
    expect([queue.running(), queue.waiting()]).toEqual([2, 3]);
    // A second later 'other' has gone: the flood may hold all but one again.
    clock += 1001;
    gates[1]!.resolve('flood');
    await flood[1];
    expect([queue.running(), queue.waiting()]).toEqual([3, 1]);
    for (const gate of gates) gate.resolve('flood');
    await Promise.all(flood);
    await queue.drain();
  });
});
