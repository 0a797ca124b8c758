/**
 * Runs the rasterizer's colour-management self-check once at start and turns it into the `colour` check of
 * /readyz; a failure is logged as an error (PDF colours would be approximate: CMYK by a polynomial, ICC colours
 * as their alternate space).
 */
import { handleAll, retry } from 'cockatiel';
import type { Logger } from 'pino';
import type { Rasterizer } from '../core/asset-media.ts';
import { checkColourManagement, SWOP_PROCESS_COLOURS } from '../core/colour-self-check.ts';
import type { DependencyReport } from './readiness.ts';

/**
 * 2 more tries to draw the swatch: the first runs while the rasterizer process starts and loads pdf.js, and on a
 * loaded machine it can run over the render time limit; a swatch drawn in the wrong colours is not tried again.
 */
const COLOUR_CHECK_RETRIES = 2;

export async function runColourCheck(rasterizer: Rasterizer, log: Logger): Promise<DependencyReport> {
  try {
    const result = await retry(handleAll, { maxAttempts: COLOUR_CHECK_RETRIES }).execute(() => checkColourManagement(rasterizer));
    if (result.managed) {
      log.info({ colour: { drawn: result.drawn } }, 'colour management is on in the rasterizer (CMYK swatch matches SWOP)');
      return { status: 'ok' };
    }
    log.error(
      { colour: { drawn: result.drawn, expected: SWOP_PROCESS_COLOURS } },
      'colour management did not load in the rasterizer: PDF colours are approximate (CMYK by a polynomial, ICC as the alternate space)',
    );
    return { status: 'degraded', error: 'COLOUR_UNMANAGED' };
  } catch (error) {
    log.error({ err: error }, 'the colour-management self-check could not draw its swatch');
    return { status: 'degraded', error: 'COLOUR_CHECK_FAILED' };
  }
}
