/** Small statistics for the benchmark: medians of rounds, percentiles of samples, ratios against floors. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of raw samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Milliseconds since `start` (a performance.now() value). */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}

/** Runs `fn` `rounds` times, one after another, and returns every result. */
export async function repeat<T>(rounds: number, fn: (round: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let round = 0; round < rounds; round++) results.push(await fn(round));
  return results;
}

/** Times one call of `fn` in milliseconds. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return elapsedMs(start);
}

export interface PairedTimes {
  /** Per round: the median single-call time of the measured code, ms. */
  measuredMs: number[];
  /** Per round: the median single-call time of the floor, ms. */
  floorMs: number[];
}

/**
 * Times `measured` and `floor` call by call, interleaved A B B A, so drift in machine load (other processes, CPU
 * frequency) falls on both alike. Each round's figure is the median of its calls.
 */
export async function timeInterleaved(
  rounds: number,
  callsPerRound: number,
  measured: () => Promise<unknown>,
  floor: () => Promise<unknown>,
): Promise<PairedTimes> {
  const result: PairedTimes = { measuredMs: [], floorMs: [] };
  for (let round = 0; round < rounds; round++) {
    const a: number[] = [];
    const b: number[] = [];
    for (let call = 0; call < callsPerRound; call++) {
      if (call % 2 === 0) {
        a.push(await timeMs(measured));
        b.push(await timeMs(floor));
      } else {
        b.push(await timeMs(floor));
        a.push(await timeMs(measured));
      }
    }
    result.measuredMs.push(median(a));
    result.floorMs.push(median(b));
  }
  return result;
}
