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
  it('writes the same line as one pino call with method, route, status and duration, and observes the histogram, per call or per series', () => {
    const { log, lines } = capture();
    const observed: unknown[][] = [];
    const recorder = createRequestRecorder(log, {
      registry: new Registry(),
      observeRequest: (...args: unknown[]) => observed.push(args),
      requestSeries: (method, route, status) => (seconds) => observed.push([method, route, status, seconds]),
      observeRender: () => {},
    });
    recorder.record('GET', '/v1/card-art', 200, 0.00123);
    recorder.record('GET', '/v1/card-art', 304, 0.5);
    recorder.record('HEAD', '/v1/assets/:assetId', 200, 0.01);
    // The fast path's per-series recorders write the same lines and observations.
    const getOk = recorder.series('GET', '/v1/card-art', 200);
    getOk(0.00123);
    recorder.series('GET', '/v1/card-art', 304)(0.5);
    recorder.series('HEAD', '/v1/assets/:assetId', 200)(0.01);
    getOk(0.00123);
    const direct = capture();
    direct.log.info({ method: 'GET', route: '/v1/card-art', status: 200, durationMs: 1.2 }, 'request');
    direct.log.info({ method: 'GET', route: '/v1/card-art', status: 304, durationMs: 500 }, 'request');
    direct.log.info({ method: 'HEAD', route: '/v1/assets/:assetId', status: 200, durationMs: 10 }, 'request');
    const directLines = [...direct.lines];
    expect(lines).toEqual([...directLines, ...directLines, directLines[0]]);
    const once = [
      ['GET', '/v1/card-art', 200, 0.00123],
      ['GET', '/v1/card-art', 304, 0.5],
      ['HEAD', '/v1/assets/:assetId', 200, 0.01],
    ];
    expect(observed).toEqual([...once, ...once, once[0]]);
  });
});
