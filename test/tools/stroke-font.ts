/**
 * A tiny stroke font (capital letters as polylines on a 4×6 grid) so sample logos carry lettering as plain
 * vector paths: identical in SVG, PDF and PNG, with no font file or system font involved.
 */
type Polyline = Array<[number, number]>;

const O: Polyline = [[1, 0], [3, 0], [4, 1], [4, 5], [3, 6], [1, 6], [0, 5], [0, 1], [1, 0]];
const P: Polyline = [[0, 6], [0, 0], [3, 0], [4, 1], [4, 2], [3, 3], [0, 3]];

const GLYPHS: Record<string, Polyline[]> = {
  A: [[[0, 6], [0, 2], [2, 0], [4, 2], [4, 6]], [[0, 3.5], [4, 3.5]]],
  B: [[[0, 0], [0, 6], [3, 6], [4, 5], [4, 4], [3, 3], [0, 3]], [[0, 0], [3, 0], [4, 1], [4, 2], [3, 3]]],
  C: [[[4, 1], [3, 0], [1, 0], [0, 1], [0, 5], [1, 6], [3, 6], [4, 5]]],
  D: [[[0, 0], [0, 6], [2.5, 6], [4, 4.5], [4, 1.5], [2.5, 0], [0, 0]]],
  E: [[[4, 0], [0, 0], [0, 6], [4, 6]], [[0, 3], [3, 3]]],
  F: [[[4, 0], [0, 0], [0, 6]], [[0, 3], [3, 3]]],
  G: [[[4, 1], [3, 0], [1, 0], [0, 1], [0, 5], [1, 6], [3, 6], [4, 5], [4, 3.5], [2, 3.5]]],
  H: [[[0, 0], [0, 6]], [[4, 0], [4, 6]], [[0, 3], [4, 3]]],
  I: [[[2, 0], [2, 6]], [[1, 0], [3, 0]], [[1, 6], [3, 6]]],
  J: [[[4, 0], [4, 5], [3, 6], [1, 6], [0, 5]]],
  K: [[[0, 0], [0, 6]], [[4, 0], [0, 3.5]], [[1.3, 2.7], [4, 6]]],
  L: [[[0, 0], [0, 6], [4, 6]]],
  M: [[[0, 6], [0, 0], [2, 3], [4, 0], [4, 6]]],
  N: [[[0, 6], [0, 0], [4, 6], [4, 0]]],
  O: [O],
  P: [P],
  Q: [O, [[2.5, 4.5], [4, 6]]],
  R: [P, [[2, 3], [4, 6]]],
  S: [[[4, 1], [3, 0], [1, 0], [0, 1], [0, 2], [1, 3], [3, 3], [4, 4], [4, 5], [3, 6], [1, 6], [0, 5]]],
  T: [[[0, 0], [4, 0]], [[2, 0], [2, 6]]],
  U: [[[0, 0], [0, 5], [1, 6], [3, 6], [4, 5], [4, 0]]],
  V: [[[0, 0], [2, 6], [4, 0]]],
  W: [[[0, 0], [1, 6], [2, 3], [3, 6], [4, 0]]],
  X: [[[0, 0], [4, 6]], [[4, 0], [0, 6]]],
  Y: [[[0, 0], [2, 3], [4, 0]], [[2, 3], [2, 6]]],
  Z: [[[0, 0], [4, 0], [0, 6], [4, 6]]],
};

const ADVANCE = 6;
const CAP_HEIGHT = 6;

/** Width of `text` drawn with capital height `capHeight` (excluding the stroke's own half-width). */
export function strokeTextWidth(text: string, capHeight: number): number {
  return Math.max(0, text.length * ADVANCE - 2) * (capHeight / CAP_HEIGHT);
}

/** SVG path data (M/L only) for `text` in capitals, top-left at (x, y), y growing downwards. */
export function strokeTextPath(text: string, x: number, y: number, capHeight: number): string {
  const unit = capHeight / CAP_HEIGHT;
  const parts: string[] = [];
  [...text.toUpperCase()].forEach((char, index) => {
    for (const line of GLYPHS[char] ?? []) {
      parts.push(
        line.map(([gx, gy], i) => `${i === 0 ? 'M' : 'L'}${round(x + (index * ADVANCE + gx) * unit)} ${round(y + gy * unit)}`).join(' '),
      );
    }
  });
  return parts.join(' ');
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
