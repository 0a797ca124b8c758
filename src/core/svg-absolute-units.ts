/**
 * Absolute CSS lengths (`mm`, `cm`, `in`, `pt`, `pc`) rewritten as `px` at CSS's 96 px per inch. librsvg
 * inside sharp resolves them at the render density instead (sharp's `density`, which the rasterizer sets from the
 * target size), so `x="5mm"` in a 200-unit drawing came out 28 % short in a 192 px render (69 dpi) and a third
 * long at 128 dpi: against the drawing's own user units they moved with every output size.
 */

/** Pixels per unit at 96 px per inch (CSS Values 4, 6.2). `Q` stays as written: librsvg and resvg do not know it. */
const PX_PER_UNIT: Readonly<Record<string, number>> = {
  in: 96,
  cm: 96 / 2.54,
  mm: 96 / 25.4,
  pt: 96 / 72,
  pc: 16,
};

/**
 * Attributes whose values are lengths (or lists of them); others (`d`, `points`, `viewBox`, ids, names) are never
 * touched. CSS text (`style` attributes and elements) is rewritten too.
 */
export const LENGTH_ATTRIBUTES = new Set(
  (
    'x y width height x1 y1 x2 y2 cx cy r rx ry fx fy fr dx dy refX refY markerWidth markerHeight startOffset ' +
    'textLength stroke-width stroke-dasharray stroke-dashoffset font-size letter-spacing word-spacing baseline-shift'
  ).split(' '),
);

/** A number with an absolute unit, not inside an identifier (`#a5mm`, `.x1in`) and not followed by one (`2pts`). */
const ABSOLUTE_LENGTH = /(?<![\w#.-])([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(mm|cm|in|pt|pc)(?![\w-])/gi;

/** `value` with every absolute length written in px (`5mm` → `18.8976px`). */
export function absoluteUnitsToPx(value: string): string {
  return value.replace(ABSOLUTE_LENGTH, (_match, number: string, unit: string) => {
    const px = Number(number) * PX_PER_UNIT[unit.toLowerCase()]!;
    return `${Number(px.toPrecision(8))}px`;
  });
}
