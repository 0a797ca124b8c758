import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The delay histogram's sampling interval (ms): a stall longer than this is caught whole. */
const RESOLUTION_MS = 10;

export interface LoopDelayWatch {
  /** Stops watching; the longest this process's event loop was held up meanwhile, in ms (0 when never late). */
  stop(): number;
}

/**
 * Watches how late this process's timers run from now on. A machine busy with other work delays every timer, and
 * every elapsed time measured meanwhile, by up to this much: a test that bounds an elapsed time adds it to its
 * bound, so the bound holds exactly on a quiet machine and is not crossed by a stall on a loaded one.
 */
export function watchLoopDelay(): LoopDelayWatch {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      // Nanoseconds; the histogram counts the sampling interval itself as delay.
      return Math.max(0, histogram.max / 1e6 - RESOLUTION_MS);
    },
  };
}
