/** The benchmark's result rows: a fixed-width table for the terminal and a JSON file with every round. */
import { writeFile } from 'node:fs/promises';

/** How a ratio is judged against its goal; 'none' rows are shown for context (e.g. CPU per request) and not judged. */
export type GoalKind = 'at-least' | 'at-most' | 'none';

export interface BenchRow {
  /** Row number from the issue (1–7) plus a short name. */
  measure: string;
  /** Median figure of the thing measured. */
  figure: number;
  /** Median floor measured in the same run (the same work done the minimal way); undefined when the goal is absolute. */
  floor: number | undefined;
  unit: string;
  /** figure / floor, or the figure itself when there is no floor. */
  ratio: number;
  goal: { kind: GoalKind; value: number; label: string };
  pass: boolean;
  /** Throughput rows: the load generator's own ceiling measured in the same run (what it reaches against the fastest server). */
  ceiling?: number;
  /** True when the floor is within GENERATOR_BOUND_SHARE of the ceiling: then the floor (and the ratio) say more about wrk than the server. */
  generatorBound?: boolean;
  /** Every round's raw figures and anything else worth keeping (results.json only). */
  details?: Record<string, unknown>;
}

export interface RowInput {
  measure: string;
  figure: number;
  floor?: number;
  unit: string;
  goal: { kind: GoalKind; value: number; label?: string };
  ceiling?: number;
  details?: Record<string, unknown>;
}

/** A floor within 20 % of the generator's ceiling is marked generator-bound (issue #13). */
export const GENERATOR_BOUND_SHARE = 0.8;

/** Builds a row: ratio = figure / floor (or the figure alone without a floor), PASS when the ratio meets the goal. */
export function makeRow(input: RowInput): BenchRow {
  const ratio = input.floor === undefined ? input.figure : input.figure / input.floor;
  const pass = input.goal.kind === 'none' || (input.goal.kind === 'at-least' ? ratio >= input.goal.value : ratio <= input.goal.value);
  const label =
    input.goal.label ??
    (input.goal.kind === 'none' ? '-' : `${input.goal.kind === 'at-least' ? '>=' : '<='} ${input.goal.value}${input.floor === undefined ? '' : 'x'}`);
  return {
    measure: input.measure,
    figure: input.figure,
    floor: input.floor,
    unit: input.unit,
    ratio,
    goal: { kind: input.goal.kind, value: input.goal.value, label },
    pass,
    ...(input.ceiling !== undefined
      ? { ceiling: input.ceiling, generatorBound: input.floor !== undefined && input.floor >= GENERATOR_BOUND_SHARE * input.ceiling }
      : {}),
    ...(input.details ? { details: input.details } : {}),
  };
}

const HEADERS = ['measure', 'figure', 'floor', 'ceiling', 'ratio', 'goal', 'result'] as const;

/** The rows as an aligned plain-text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((row) => [
    row.measure,
    `${formatNumber(row.figure)} ${row.unit}`,
    row.floor === undefined ? '-' : `${formatNumber(row.floor)} ${row.unit}`,
    row.ceiling === undefined ? '-' : `${formatNumber(row.ceiling)} ${row.unit}`,
    row.floor === undefined ? '-' : `${row.ratio.toFixed(2)}x`,
    row.goal.label,
    `${row.goal.kind === 'none' ? 'info' : row.pass ? 'PASS' : 'MISS'}${row.generatorBound ? ' generator-bound' : ''}`,
  ]);
  const widths = HEADERS.map((header, column) => Math.max(header.length, ...cells.map((line) => line[column]!.length)));
  const render = (line: readonly string[]) =>
    line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [render(HEADERS), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(render)].join('\n');
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toString();
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  settings: Record<string, unknown>;
  rows: BenchRow[];
  /** Measures that could not run (e.g. a module not there yet), with the reason. */
  skipped: Array<{ measure: string; reason: string }>;
}

export async function writeResults(file: string, results: BenchResults): Promise<void> {
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}
