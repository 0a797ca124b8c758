/** The README stands alone: it names no file outside the repository, and every repository path it names exists. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('refers to no design document or file outside the repository', () => {
    expect(readme).not.toMatch(/DESIGN|§\s*\d|\.\.\/|\/work\/|shared\//);
  });

  it('names only repository paths that exist', () => {
    const named = [...readme.matchAll(/`((?:src|test|golden|\.ci)\/[^`\s*<>{}]*)`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(10);
    // Written by a run, not committed.
    const generated = new Set(['test/bench/results.json']);
    expect(named.filter((name) => !generated.has(name) && !existsSync(path.join(ROOT, name)))).toEqual([]);
  });

  it('states the layout rules, the HTTP contract and the simulator folder format itself', () => {
    for (const heading of ['## The card layout', '### The HTTP contract', "## The simulator's asset folder", '## Code layout rules']) {
      expect(readme).toContain(heading);
    }
    expect(readme).toContain('A = 82');
    expect(readme).toContain('`<assetId>.json`');
  });
});
