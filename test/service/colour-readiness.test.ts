/**
 * The start-up colour check as the service runs it: an error log line and a degraded `colour` report when the
 * rasterizer draws without colour management (or cannot draw the swatch), an info line and `ok` when it does.
 */
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createRasterizer } from '../../src/core/rasterizer.ts';
import { runColourCheck } from '../../src/service/colour-readiness.ts';

function capturingLog() {
  const lines: Array<{ level: number; msg: string; colour?: unknown }> = [];
  const log = pino({ base: undefined, timestamp: false }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** The render time limit is not under test: a busy machine must not trip it while the rasterizer process starts. */
const TEST_RENDER_LIMIT_MS = 60_000;
// In this test process pdf.js has no file-only loaders, so an in-process rasterizer draws without colour management.
const unmanaged = createRasterizer({ processes: 0, pdfRenderTimeoutMs: TEST_RENDER_LIMIT_MS });
const rasterizerProcess = createRasterizer({ processes: 1, pdfRenderTimeoutMs: TEST_RENDER_LIMIT_MS });

afterAll(async () => {
  await Promise.all([unmanaged.close(), rasterizerProcess.close()]);
});

describe('runColourCheck', () => {
  it('reports ok and logs the drawn inks when the rasterizer process manages colour', async () => {
    const { log, lines } = capturingLog();
    expect(await runColourCheck(rasterizerProcess, log)).toEqual({ status: 'ok' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, colour: { drawn: { magenta: expect.any(Array) } } });
  });

  it('logs an error and reports COLOUR_UNMANAGED when colour management did not load', async () => {
    const { log, lines } = capturingLog();
    expect(await runColourCheck(unmanaged, log)).toEqual({ status: 'degraded', error: 'COLOUR_UNMANAGED' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, colour: { drawn: { magenta: [251, 49, 153] }, expected: { magenta: [236, 0, 140] } } });
    expect(lines[0]!.msg).toContain('colour management did not load');
  });

  it('logs an error and reports COLOUR_CHECK_FAILED when the swatch cannot be drawn', async () => {
    const { log, lines } = capturingLog();
    let tries = 0;
    const broken = { rasterize: () => Promise.reject(new Error(`rasterizer down ${++tries}`)) };
    expect(await runColourCheck(broken, log)).toEqual({ status: 'degraded', error: 'COLOUR_CHECK_FAILED' });
    // Tried 3 times (a first render can run over the time limit while the process starts), then one error line.
    expect(tries).toBe(3);
    expect(lines.map((line) => line.level)).toEqual([50]);
  });
});
