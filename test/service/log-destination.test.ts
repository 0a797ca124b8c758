import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogDestination } from '../../src/service/log-destination.ts';
import { waitFor } from '../hardening/harness.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function tempFd(): Promise<{ fd: number; file: string }> {
  dir = await mkdtemp(path.join(tmpdir(), 'card-art-log-'));
  const file = path.join(dir, 'out.log');
  return { fd: openSync(file, 'w'), file };
}

describe('buffered log destination', () => {
  it('writes every pino line whole and in order, across many buffer rotations', async () => {
    const { fd, file } = await tempFd();
    const destination = createLogDestination(fd, { bufferBytes: 1024 });
    const log = pino({ base: undefined }, destination.stream);
    for (let i = 0; i < 2000; i++) log.info({ method: 'GET', route: '/v1/card-art', status: 200, i }, 'request');
    log.info({ long: 'é'.repeat(3000) }, 'longer than one buffer');
    destination.flush();
    // The asynchronous writes land one after another; closing the file before the last one would lose it.
    await waitFor('every line on disk', () => readFileSync(file, 'utf8').split('\n').length - 1 === 2001, 20_000);
    destination.flushSync();
    closeSync(fd);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as { i?: number; msg: string; long?: string });
    expect(lines).toHaveLength(2001);
    expect(lines.slice(0, 2000).map((line) => line.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(lines[2000]!.long).toHaveLength(3000);
    expect(destination.dropped()).toBe(0);
  });

  it('drops (and counts) lines beyond its queue bound instead of growing without limit', async () => {
    const { fd, file } = await tempFd();
    const destination = createLogDestination(fd, { bufferBytes: 256, maxQueuedBytes: 2048 });
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 100; i++) destination.stream.write(line);
    expect(destination.dropped()).toBeGreaterThan(0);
    destination.flushSync();
    // flushSync leaves the chunk already being written asynchronously to finish on its own: every line not dropped
    // is on disk once it has.
    const kept = (100 - destination.dropped()) * line.length;
    await waitFor('the chunk in flight to land', () => statSync(file).size === kept, 20_000);
    closeSync(fd);
    const written = readFileSync(file, 'utf8');
    expect(written.length).toBeLessThanOrEqual(2048 + 256);
    expect(written).toBe(line.repeat(100 - destination.dropped()));
  });
});
