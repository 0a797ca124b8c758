/**
 * What `<use>` makes of a document: which `<use>` elements take part in a reference cycle (a renderer draws
 * nothing for them, so the sanitizer leaves them out) and how many elements the rest draws once every `<use>` is
 * expanded (each level of `<use>` multiplies, so ten nested levels of ten copies draw 10^10 elements).
 * Iterative throughout: a chain of 20 000 `<use>` elements must not overflow the stack.
 */

export interface UseGraphElement {
  /** Child elements in document order (text is not counted). */
  elements: readonly UseGraphElement[];
  /** For a `<use>`: the ids it references (without `#`; `href` and `xlink:href` may name different ones). */
  useTargets?: readonly string[];
  /** For an element with an id: that id. */
  id?: string;
}

export interface UseGraph<E extends UseGraphElement> {
  /** `<use>` elements whose target leads back to them (directly, through their ancestors or other `<use>`s). */
  cyclicUses: Set<E>;
  /**
   * Elements drawn with every acyclic `<use>` expanded, capped at `cap`; where a renderer could pick among several
   * targets (a duplicate id, `href` and `xlink:href` both given) the largest counts.
   */
  drawnElements: number;
}

export function analyzeUseGraph<E extends UseGraphElement>(root: E, cap: number): UseGraph<E> {
  const { nodes, children } = flatten(root);
  const byId = new Map<string, number[]>();
  nodes.forEach((node, index) => {
    if (node.id === undefined) return;
    const same = byId.get(node.id);
    if (same) same.push(index);
    else byId.set(node.id, [index]);
  });
  const targets = nodes.map((node) => (node.useTargets ? node.useTargets.flatMap((id) => byId.get(id) ?? NO_TARGETS) : NO_TARGETS));
  const component = stronglyConnectedComponents(children.map((own, index) => (targets[index]!.length ? [...own, ...targets[index]!] : own)));
  const cyclic = new Uint8Array(nodes.length);
  const cyclicUses = new Set<E>();
  targets.forEach((own, index) => {
    if (!own.some((target) => component[target] === component[index])) return;
    cyclic[index] = 1;
    cyclicUses.add(nodes[index] as E);
  });
  return { cyclicUses, drawnElements: drawnCount(children, targets, cyclic, cap) };
}

const NO_TARGETS: number[] = [];

/** Every element (the root is 0) and the indices of each one's children. */
function flatten(root: UseGraphElement): { nodes: UseGraphElement[]; children: number[][] } {
  const nodes = [root];
  const children: number[][] = [];
  for (let index = 0; index < nodes.length; index++) {
    const own: number[] = [];
    for (const child of nodes[index]!.elements) {
      own.push(nodes.length);
      nodes.push(child);
    }
    children.push(own);
  }
  return { nodes, children };
}

/** Tarjan's algorithm with an explicit stack: the component number of each node. */
function stronglyConnectedComponents(edges: number[][]): Int32Array {
  const count = edges.length;
  const order = new Int32Array(count).fill(-1);
  const low = new Int32Array(count);
  const component = new Int32Array(count).fill(-1);
  const nextEdge = new Int32Array(count);
  const onStack = new Uint8Array(count);
  const stack: number[] = [];
  const calls: number[] = [];
  let visited = 0;
  let components = 0;
  const enter = (node: number) => {
    order[node] = low[node] = visited++;
    stack.push(node);
    onStack[node] = 1;
    calls.push(node);
  };
  for (let start = 0; start < count; start++) {
    if (order[start] !== -1) continue;
    enter(start);
    while (calls.length) {
      const node = calls[calls.length - 1]!;
      const out = edges[node]!;
      if (nextEdge[node]! < out.length) {
        const next = out[nextEdge[node]!++]!;
        if (order[next] === -1) enter(next);
        else if (onStack[next]) low[node] = Math.min(low[node]!, order[next]!);
        continue;
      }
      calls.pop();
      if (calls.length) {
        const caller = calls[calls.length - 1]!;
        low[caller] = Math.min(low[caller]!, low[node]!);
      }
      if (low[node] === order[node]) {
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = 0;
          component[member] = components;
        } while (member !== node);
        components++;
      }
    }
  }
  return component;
}

/** Elements drawn from the root (node 0): itself, its children, and for an acyclic `<use>` its largest target. */
function drawnCount(children: number[][], targets: number[][], cyclic: Uint8Array, cap: number): number {
  const drawn = new Float64Array(children.length).fill(-1);
  const expanded = new Uint8Array(children.length);
  const pending = [0];
  while (pending.length) {
    const node = pending[pending.length - 1]!;
    if (drawn[node] !== -1) {
      pending.pop();
    } else if (cyclic[node]) {
      drawn[node] = 0;
      pending.pop();
    } else if (!expanded[node]) {
      // Its children and targets first; without cycles each is done before this node is on top again.
      expanded[node] = 1;
      for (const next of children[node]!) if (drawn[next] === -1) pending.push(next);
      for (const next of targets[node]!) if (drawn[next] === -1) pending.push(next);
    } else {
      let total = 1;
      for (const child of children[node]!) total += drawn[child]!;
      let largest = 0;
      for (const target of targets[node]!) largest = Math.max(largest, drawn[target]!);
      drawn[node] = Math.min(total + largest, cap);
      pending.pop();
    }
  }
  return drawn[0]!;
}
