/**
 * The start-up colour self-check: the four process inks drawn in the rasterizer process come out as Acrobat's SWOP
 * values, and the check notices when colour management is missing (pdf.js in a process without its file-only
 * loaders, such as this test worker drawing in-process, falls back to its polynomial).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { checkColourManagement, COLOUR_CHECK_TOLERANCE, SWOP_PROCESS_COLOURS, type ProcessInk } from '../../src/core/colour-self-check.ts';
import { createRasterizer } from '../../src/core/rasterizer.ts';

/** The render time limit is not under test: a busy machine must not trip it while the rasterizer process starts. */
const TEST_RENDER_LIMIT_MS = 60_000;
const inProcess = createRasterizer({ processes: 0, pdfRenderTimeoutMs: TEST_RENDER_LIMIT_MS });
const rasterizerProcess = createRasterizer({ processes: 1, pdfRenderTimeoutMs: TEST_RENDER_LIMIT_MS });

afterAll(async () => {
  await Promise.all([inProcess.close(), rasterizerProcess.close()]);
});

const furthest = (drawn: Record<ProcessInk, number[]>) =>
  Math.max(...(Object.keys(SWOP_PROCESS_COLOURS) as ProcessInk[]).flatMap((ink) => drawn[ink].map((v, c) => Math.abs(v - SWOP_PROCESS_COLOURS[ink][c]!))));

describe('checkColourManagement', () => {
  it('passes in the rasterizer process: every process ink within 2 levels of SWOP', async () => {
    const result = await checkColourManagement(rasterizerProcess);
    console.log(`colour self-check, rasterizer process: ${JSON.stringify(result.drawn)}`);
    expect(result.managed).toBe(true);
    expect(furthest(result.drawn)).toBeLessThanOrEqual(2);
  });

  it('fails where pdf.js has no colour management (the polynomial fallback is 11 or more levels off)', async () => {
    const result = await checkColourManagement(inProcess);
    console.log(`colour self-check, without colour management: ${JSON.stringify(result.drawn)}`);
    expect(result.managed).toBe(false);
    expect(furthest(result.drawn)).toBeGreaterThan(COLOUR_CHECK_TOLERANCE);
  });
});
