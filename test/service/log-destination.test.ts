import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogDestination } from '../../src/service/log-destination.ts';

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
    await new Promise((resolve) => setTimeout(resolve, 100));
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
    await new Promise((resolve) => setTimeout(resolve, 100));
    closeSync(fd);
    const written = readFileSync(file, 'utf8');
    expect(written.length).toBeLessThanOrEqual(2048 + 256);
    expect(written.length % line.length).toBe(0);
  });
});
