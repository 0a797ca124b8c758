import { describe, expect, it } from 'vitest';
import { analyzeUseGraph, type UseGraphElement } from '../../src/core/svg-use-graph.ts';

interface Node extends UseGraphElement {
  name: string;
  elements: Node[];
}

const node = (name: string, elements: Node[] = [], extra: { id?: string; useTargets?: string[] } = {}): Node => ({ name, elements, ...extra });
const use = (name: string, target: string, elements: Node[] = []) => node(name, elements, { id: name, useTargets: [target] });
const names = (set: Set<Node>) => [...set].map((element) => element.name).sort();

describe('analyzeUseGraph', () => {
  it('counts every element once without <use>, and a <use> as itself plus what it references', () => {
    const plain = node('svg', [node('g', [node('rect'), node('circle')]), node('path')]);
    expect(analyzeUseGraph(plain, 1000)).toEqual({ cyclicUses: new Set(), drawnElements: 5 });
    const motif = node('g', [node('rect'), node('rect'), node('rect')], { id: 'motif' });
    const withUses = node('svg', [node('defs', [motif]), use('u1', 'motif'), use('u2', 'motif')]);
    // svg + defs + motif (4) + two uses of 1 + 4 each.
    expect(analyzeUseGraph(withUses, 1000).drawnElements).toBe(1 + 1 + 4 + 2 * 5);
  });

  it('multiplies nested fan-out and stops counting at the cap', () => {
    // Level n holds ten <use> of level n-1: 10^9 rectangles from nine levels.
    const levels: Node[] = [node('rect', [], { id: 'l0' })];
    for (let level = 1; level <= 9; level++) {
      levels.push(node('g', Array.from({ length: 10 }, (_, i) => use(`l${level}-${i}`, `l${level - 1}`)), { id: `l${level}` }));
    }
    const root = node('svg', [node('defs', levels), use('top', 'l9')]);
    expect(analyzeUseGraph(root, 100_001).drawnElements).toBe(100_001);
    const small = node('svg', [node('defs', levels.slice(0, 3)), use('top', 'l2')]);
    // svg, defs, the three levels in place (l1 = g + 10 × (use + rect) = 21, l2 = 1 + 10 × (1 + 21) = 221), the top use.
    expect(analyzeUseGraph(small, 100_001).drawnElements).toBe(1 + 1 + (1 + 21 + 221) + (1 + 221));
  });

  it('finds self, mutual, nested and through-an-ancestor cycles, and leaves acyclic uses alone', () => {
    const self = use('self', 'self');
    const mutualA = use('a', 'b');
    const mutualB = use('b', 'a');
    const inner = use('inner', 'outer');
    const outer = use('outer', 'inner', [inner]);
    const ancestorUse = use('back', 'group');
    const group = node('g', [ancestorUse, node('rect')], { id: 'group' });
    const fine = use('fine', 'group');
    const root = node('svg', [self, mutualA, mutualB, outer, group, fine]);
    const { cyclicUses, drawnElements } = analyzeUseGraph(root, 1000);
    expect(names(cyclicUses)).toEqual(['a', 'b', 'back', 'inner', 'outer', 'self']);
    // svg, group (g + rect; its cyclic use draws nothing), fine (1 + the group's 2).
    expect(drawnElements).toBe(1 + 2 + 3);
  });

  it('counts the largest of elements sharing an id (a renderer may pick either)', () => {
    const small = node('rect', [], { id: 'dup' });
    const large = node('g', Array.from({ length: 50 }, () => node('rect')), { id: 'dup' });
    const root = node('svg', [small, large, use('u', 'dup')]);
    expect(analyzeUseGraph(root, 1000).drawnElements).toBe(1 + 1 + 51 + 1 + 51);
  });

  it('walks a chain of 20 000 <use> elements without overflowing the stack', () => {
    const chain: Node[] = [node('rect', [], { id: 'c0' })];
    for (let i = 1; i <= 20_000; i++) chain.push(use(`c${i}`, `c${i - 1}`));
    const root = node('svg', chain);
    const { cyclicUses, drawnElements } = analyzeUseGraph(root, 1e12);
    expect(cyclicUses.size).toBe(0);
    // Use i draws itself and use i-1 …: i + 1 elements; the chain is drawn once in place as well.
    expect(drawnElements).toBe(1 + 1 + Array.from({ length: 20_000 }, (_, i) => i + 2).reduce((sum, n) => sum + n, 0));
    // Closing the chain into a ring makes every one of them cyclic.
    chain[0] = use('c0', 'c20000');
    expect(analyzeUseGraph(node('svg', chain), 1e12).cyclicUses.size).toBe(20_001);
  });

  it('a <use> naming two targets (href and xlink:href) counts the larger, and is cyclic if either leads back', () => {
    const small = node('rect', [], { id: 'small' });
    const large = node('g', Array.from({ length: 30 }, () => node('rect')), { id: 'large' });
    const both = node('use', [], { id: 'both', useTargets: ['small', 'large'] });
    expect(analyzeUseGraph(node('svg', [small, large, both]), 1000).drawnElements).toBe(1 + 1 + 31 + 1 + 31);
    const back = node('use', [], { id: 'back', useTargets: ['small', 'back'] });
    expect(names(analyzeUseGraph(node('svg', [small, back]), 1000).cyclicUses)).toEqual(['use']);
  });

  it('a <use> of an id nobody has draws only itself', () => {
    expect(analyzeUseGraph(node('svg', [use('u', 'missing')]), 1000)).toEqual({ cyclicUses: new Set(), drawnElements: 2 });
  });
});
