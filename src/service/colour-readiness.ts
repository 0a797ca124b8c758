/**
 * Runs the rasterizer's colour-management self-check once at start and turns it into the `colour` check of
 * /readyz; a failure is logged as an error (PDF colours would be approximate: CMYK by a polynomial, ICC colours
 * as their alternate space).
 */
import type { Logger } from 'pino';
import type { Rasterizer } from '../core/asset-media.ts';
import { checkColourManagement, SWOP_PROCESS_COLOURS } from '../core/colour-self-check.ts';
import type { DependencyReport } from './readiness.ts';

export async function runColourCheck(rasterizer: Rasterizer, log: Logger): Promise<DependencyReport> {
  try {
    const result = await checkColourManagement(rasterizer);
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
