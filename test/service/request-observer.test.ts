import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRequestRecorder } from '../../src/service/request-observer.ts';

function capture() {
  const lines: string[] = [];
  const log = pino({ base: { pid: 1, hostname: 'h' }, timestamp: false }, { write: (line: string) => lines.push(line) });
  return { log, lines };
}

describe('request recorder', () => {
  it('writes the same line as one pino call with method, route, status and duration, and observes the histogram', () => {
    const { log, lines } = capture();
    const observed: unknown[][] = [];
    const record = createRequestRecorder(log, { registry: new Registry(), observeRequest: (...args: unknown[]) => observed.push(args), observeRender: () => {} });
    record('GET', '/v1/card-art', 200, 0.00123);
    record('GET', '/v1/card-art', 304, 0.5);
    record('HEAD', '/v1/assets/:assetId', 200, 0.01);
    const direct = capture();
    direct.log.info({ method: 'GET', route: '/v1/card-art', status: 200, durationMs: 1.2 }, 'request');
    direct.log.info({ method: 'GET', route: '/v1/card-art', status: 304, durationMs: 500 }, 'request');
    direct.log.info({ method: 'HEAD', route: '/v1/assets/:assetId', status: 200, durationMs: 10 }, 'request');
    expect(lines).toEqual(direct.lines);
    expect(observed).toEqual([
      ['GET', '/v1/card-art', 200, 0.00123],
      ['GET', '/v1/card-art', 304, 0.5],
      ['HEAD', '/v1/assets/:assetId', 200, 0.01],
    ]);
  });
});
