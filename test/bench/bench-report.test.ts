import { childCpuSecondsFromTimes } from './load-generator.ts';
import { describe, expect, it } from 'vitest';
import { formatTable, makeRow } from './bench-report.ts';
import { median, percentile } from './bench-stats.ts';

describe('bench statistics', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('refuses empty inputs', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => percentile([], 50)).toThrow(RangeError);
  });
});

describe('bench rows', () => {
  it('judges ratios against at-least and at-most goals', () => {
    const throughput = makeRow({ measure: 'x', figure: 900, floor: 1000, unit: 'req/s', goal: { kind: 'at-least', value: 0.85 } });
    expect(throughput.ratio).toBeCloseTo(0.9);
    expect(throughput.pass).toBe(true);
    const time = makeRow({ measure: 'y', figure: 140, floor: 100, unit: 'ms', goal: { kind: 'at-most', value: 1.3 } });
    expect(time.pass).toBe(false);
    expect(time.goal.label).toBe('<= 1.3x');
  });

  it('uses the figure itself when there is no floor', () => {
    const row = makeRow({ measure: 'z', figure: 1, unit: 'calls', goal: { kind: 'at-most', value: 1, label: '1' } });
    expect(row.ratio).toBe(1);
    expect(row.pass).toBe(true);
  });

  it('marks a throughput row generator-bound when its floor is within 20 % of the generator ceiling', () => {
    const bound = makeRow({ measure: 'w', figure: 500, floor: 900, ceiling: 1000, unit: 'req/s', goal: { kind: 'at-least', value: 0.8 } });
    expect(bound.generatorBound).toBe(true);
    const free = makeRow({ measure: 'w', figure: 500, floor: 700, ceiling: 1000, unit: 'req/s', goal: { kind: 'at-least', value: 0.8 } });
    expect(free.generatorBound).toBe(false);
    expect(formatTable([bound]).split('\n')[2]).toMatch(/1000 req\/s\s+0\.56x\s+>= 0\.8x\s+MISS generator-bound$/);
  });

  it('shows context rows without judging them', () => {
    const info = makeRow({ measure: 'cpu', figure: 25, floor: 14, unit: 'µs', goal: { kind: 'none', value: 0 } });
    expect(info.pass).toBe(true);
    expect(formatTable([info]).split('\n')[2]).toMatch(/1\.79x\s+-\s+info$/);
  });

  it('prints one aligned line per row under a header', () => {
    const rows = [
      makeRow({ measure: 'short', figure: 12.345, floor: 10, unit: 'ms', goal: { kind: 'at-most', value: 1.3 } }),
      makeRow({ measure: 'a longer measure', figure: 3, unit: 'MB', goal: { kind: 'at-most', value: 2, label: '<= 2 MB' } }),
    ];
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^short\s+12\.3 ms\s+10\.0 ms\s+-\s+1\.23x\s+<= 1\.3x\s+PASS$/);
    expect(lines[3]).toMatch(/MISS$/);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
  });
});

describe("wrk's own CPU from bash `times`", () => {
  it('reads the children line (the last one) as user + system seconds', () => {
    const stdout = 'Running 3s test\nWRK_JSON {"requests":1}\n0m0.002s 0m0.001s\n1m2.500s 0m0.250s\n';
    expect(childCpuSecondsFromTimes(stdout)).toBeCloseTo(62.75, 6);
  });

  it('refuses output without the times lines rather than guess a ceiling', () => {
    expect(() => childCpuSecondsFromTimes('WRK_JSON {"requests":1}\n')).toThrow(/no CPU times/);
  });
});
