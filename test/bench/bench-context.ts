/** What every measure gets: the generated assets, a scratch folder, round counts and a progress log. */
import type { BenchAssets } from './bench-assets.ts';

export interface BenchContext {
  assets: BenchAssets;
  /** Scratch folder of this run (cache folders, cold asset copies); removed at the end. */
  workDir: string;
  /** Rounds per measure; each figure is the median of these. */
  rounds: number;
  soakSeconds: number;
  /** Extra Node flags for the service child (e.g. --cpu-prof when BENCH_CPU_PROF is set). */
  serviceExecArgv: string[];
  /** Extra env for the service child, last (BENCH_SERVICE_ENV, JSON; an empty string unsets a variable): for A/B runs. */
  serviceEnv: Record<string, string>;
  log(message: string): void;
}
