import { pino, type LoggerOptions } from 'pino';
import { describe, expect, it } from 'vitest';
import { requestLineWriter } from '../../src/service/request-log-line.ts';

function capture(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const log = pino(options, { write: (line: string) => lines.push(line) });
  return { log, lines };
}

const durations = [0, 0.1, 1.2, 12.3, 500, 1234.5, Number.NaN];

describe('request log line writer', () => {
  it.each([
    ['the service logger (redact, default time)', { redact: { paths: ['req.headers.authorization', 'headers.authorization'], remove: true } }],
    ['no timestamp, fixed base', { base: { pid: 1, hostname: 'h' }, timestamp: false }],
    ['ISO time and a level label', { timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label: string) => ({ level: label }) } }],
    ['a custom message key', { messageKey: 'message' }],
  ] as [string, LoggerOptions][])('writes what logger.info({ durationMs }, "request") writes: %s', (_name, options) => {
    const ours = capture(options);
    const direct = capture(options);
    const bindings = { method: 'GET', route: '/v1/card-art', status: 200 };
    const write = requestLineWriter(ours.log.child(bindings));
    expect(write).toBeDefined();
    for (const durationMs of durations) {
      write!(durationMs);
      direct.log.child(bindings).info({ durationMs }, 'request');
    }
    // Times differ by the clock: compare with the time field taken out of both.
    const withoutTime = (line: string) => line.replace(/"time":("[^"]*"|\d+),?/, '');
    expect(ours.lines.map(withoutTime)).toEqual(direct.lines.map(withoutTime));
    expect(ours.lines.map((line) => JSON.parse(line) as unknown)).toHaveLength(durations.length);
  });

  it('writes nothing below the logger level, and follows a level change', () => {
    const { log, lines } = capture({ level: 'warn' });
    const write = requestLineWriter(log.child({ status: 200 }))!;
    write(1);
    expect(lines).toEqual([]);
    log.level = 'info';
    // A child made before the change keeps its own level, as pino children do.
    const later = requestLineWriter(log.child({ status: 200 }))!;
    later(1);
    expect(lines).toHaveLength(1);
  });

  it('declines a logger whose line it cannot reproduce (a mixin)', () => {
    const { log } = capture({ mixin: () => ({ request: 'x' }) });
    expect(requestLineWriter(log)).toBeUndefined();
  });
});
