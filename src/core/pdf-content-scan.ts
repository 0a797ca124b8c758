/**
 * Reads a PDF content stream (a page's, a form's, a tiling pattern's or a Type 3 glyph's) the way a renderer
 * would, but only counts: path segments it builds, pixels of the inline images it paints, and how often it invokes
 * each named resource (XObjects by `Do`, tiling patterns by painting with them, fonts by the glyphs it shows).
 * pdf-draw-cost.ts resolves the names and multiplies. Nothing is drawn or kept.
 */

/** What one content stream draws by itself, and what it asks of named resources. */
export interface ContentCounts {
  /** Path construction operators (m, l, c, v, y, h = 1; re = 4 segments). */
  segments: number;
  /** Width × height of every inline image (BI … ID … EI) it paints. */
  inlineImagePixels: number;
  /** XObject name → `Do` count. */
  xobjects: Map<string, number>;
  /** Pattern name → fills and strokes painted while that pattern was the colour. */
  patternPaints: Map<string, number>;
  /** Font name → glyphs shown (string bytes given to Tj, TJ, ' and "). */
  glyphs: Map<string, number>;
}

/** The part of the graphics state that decides what a paint or a shown string costs (saved by q, restored by Q). */
interface DrawState {
  font: string | undefined;
  fillPattern: string | undefined;
  strokePattern: string | undefined;
}

/** q nesting kept track of: deeper saves are counted but not stored (pdf.js itself caps the save stack). */
const MAX_SAVED_STATES = 1024;

/** Character codes the scan looks for. */
const Char = {
  Tab: 9,
  LineFeed: 10,
  FormFeed: 12,
  Return: 13,
  Space: 32,
  Percent: 37,
  ParenOpen: 40,
  ParenClose: 41,
  Slash: 47,
  Less: 60,
  Greater: 62,
  Backslash: 92,
} as const;

/** Byte classes (ISO 32000-1 §7.2.2): 0 regular, 1 white space, 2 delimiter. */
const BYTE_CLASS = new Uint8Array(256);
for (const c of [0, Char.Tab, Char.LineFeed, Char.FormFeed, Char.Return, Char.Space]) BYTE_CLASS[c] = 1;
for (const c of '()<>[]{}/%') BYTE_CLASS[c.charCodeAt(0)] = 2;

function isWhite(c: number): boolean {
  return BYTE_CLASS[c] === 1;
}

function isDelimiter(c: number): boolean {
  return BYTE_CLASS[c] === 2;
}

/** Neither white space nor a delimiter: part of a name, number or operator. */
function isRegular(c: number): boolean {
  return BYTE_CLASS[c] === 0;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** The longest operator this scan counts (scn, SCN). */
const MAX_COUNTED_OPERATOR_LENGTH = 3;
type Operator = 'segment' | 'rectangle' | 'draw' | 'show' | 'fill' | 'stroke' | 'fill+stroke' | 'font' | 'fill-colour-n' | 'stroke-colour-n' | 'fill-colour' | 'stroke-colour' | 'save' | 'restore' | 'inline-image';
const OPERATOR_NAMES: Readonly<Record<Operator, readonly string[]>> = {
  segment: ['m', 'l', 'c', 'v', 'y', 'h'],
  rectangle: ['re'],
  draw: ['Do'],
  show: ['Tj', 'TJ', "'", '"'],
  fill: ['f', 'F', 'f*'],
  stroke: ['S', 's'],
  'fill+stroke': ['B', 'B*', 'b', 'b*'],
  font: ['Tf'],
  'fill-colour-n': ['scn'],
  'stroke-colour-n': ['SCN'],
  // Colours that are not a pattern (cs and CS choose a colour space; a pattern needs scn / SCN after them).
  'fill-colour': ['rg', 'g', 'k', 'sc', 'cs'],
  'stroke-colour': ['RG', 'G', 'K', 'SC', 'CS'],
  save: ['q'],
  restore: ['Q'],
  'inline-image': ['BI'],
};
/** Operators by their bytes packed into a number (first byte lowest), so tokens are never made into strings. */
const OPERATORS = new Map<number, Operator>();
for (const [operator, names] of Object.entries(OPERATOR_NAMES) as Array<[Operator, readonly string[]]>) {
  for (const name of names) OPERATORS.set(packBytes(Buffer.from(name, 'latin1'), 0, name.length), operator);
}

function packBytes(data: Uint8Array, start: number, end: number): number {
  let code = 0;
  for (let at = end - 1; at >= start; at--) code = code * 256 + data[at]!;
  return code;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  if (by > 0) map.set(key, (map.get(key) ?? 0) + by);
}

/** PDF names may spell bytes as #xx; pdf.js decodes them, so names are compared decoded. */
export function decodePdfName(raw: string): string {
  return raw.includes('#') ? raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : raw;
}

/** Counts what `data` (a decoded content stream) draws. Linear in its length; malformed input is read as far as it goes. */
export function scanContentStream(data: Buffer): ContentCounts {
  const counts: ContentCounts = { segments: 0, inlineImagePixels: 0, xobjects: new Map(), patternPaints: new Map(), glyphs: new Map() };
  let state: DrawState = { font: undefined, fillPattern: undefined, strokePattern: undefined };
  const saved: DrawState[] = [];
  let unstoredSaves = 0;
  // Operands since the last operator that matter here: the last name and the bytes of the strings.
  let lastName: string | undefined;
  let stringBytes = 0;
  const length = data.length;
  let at = 0;

  const paint = (fill: boolean, stroke: boolean) => {
    if (fill && state.fillPattern !== undefined) bump(counts.patternPaints, state.fillPattern, 1);
    if (stroke && state.strokePattern !== undefined) bump(counts.patternPaints, state.strokePattern, 1);
  };

  while (at < length) {
    const c = data[at]!;
    if (isWhite(c)) {
      at++;
    } else if (c === Char.Percent) {
      while (at < length && data[at] !== Char.LineFeed && data[at] !== Char.Return) at++;
    } else if (c === Char.ParenOpen) {
      const end = skipLiteralString(data, at);
      stringBytes += end - at - 2;
      at = end;
    } else if (c === Char.Less) {
      if (data[at + 1] === Char.Less) {
        at += 2;
      } else {
        let digits = 0;
        at++;
        while (at < length && data[at] !== Char.Greater) if (isHexDigit(data[at++]!)) digits++;
        at++;
        stringBytes += Math.ceil(digits / 2);
      }
    } else if (c === Char.Slash) {
      const start = ++at;
      while (at < length && isRegular(data[at]!)) at++;
      lastName = decodePdfName(data.toString('latin1', start, at));
    } else if (isDelimiter(c)) {
      // [ ] { } > and a stray ): structure, not operands that matter here.
      at++;
    } else {
      const start = at;
      while (at < length && isRegular(data[at]!)) at++;
      // Numbers are operands.
      if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) continue;
      // So are true, false and null; any other word is an operator, and none counted here is longer than 3.
      if (at - start > MAX_COUNTED_OPERATOR_LENGTH) {
        if (!isOperand(data, start, at)) {
          lastName = undefined;
          stringBytes = 0;
        }
        continue;
      }
      switch (OPERATORS.get(packBytes(data, start, at))) {
        case 'segment':
          counts.segments += 1;
          break;
        case 'rectangle':
          counts.segments += 4;
          break;
        case 'draw':
          if (lastName !== undefined) bump(counts.xobjects, lastName, 1);
          break;
        case 'show':
          bump(counts.glyphs, state.font ?? '', stringBytes);
          break;
        case 'fill':
          paint(true, false);
          break;
        case 'stroke':
          paint(false, true);
          break;
        case 'fill+stroke':
          paint(true, true);
          break;
        case 'font':
          state.font = lastName;
          break;
        case 'fill-colour-n':
          state.fillPattern = lastName;
          break;
        case 'stroke-colour-n':
          state.strokePattern = lastName;
          break;
        case 'fill-colour':
          state.fillPattern = undefined;
          break;
        case 'stroke-colour':
          state.strokePattern = undefined;
          break;
        case 'save':
          if (saved.length < MAX_SAVED_STATES) saved.push({ ...state });
          else unstoredSaves++;
          break;
        case 'restore':
          if (unstoredSaves > 0) unstoredSaves--;
          else state = saved.pop() ?? state;
          break;
        case 'inline-image': {
          const image = readInlineImage(data, at);
          counts.inlineImagePixels += image.pixels;
          at = image.end;
          break;
        }
        default:
      }
      lastName = undefined;
      stringBytes = 0;
    }
  }
  return counts;
}

/** The keyword operands (every other bare word is an operator). */
function isOperand(data: Buffer, start: number, end: number): boolean {
  const word = end - start <= 5 ? data.toString('latin1', start, end) : '';
  return word === 'true' || word === 'false' || word === 'null';
}

/** Index just past the `)` that closes the literal string opening at `start` (balanced parentheses, `\` escapes). */
function skipLiteralString(data: Buffer, start: number): number {
  let depth = 0;
  let at = start;
  while (at < data.length) {
    const c = data[at++]!;
    if (c === Char.Backslash) at++;
    else if (c === Char.ParenOpen) depth++;
    else if (c === Char.ParenClose && --depth === 0) return at;
  }
  return data.length + 1;
}

/**
 * An inline image's pixels (/W or /Width × /H or /Height) and the index past its `EI`. The dictionary runs to `ID`;
 * the data ends at the first `EI` between white space, as pdf.js finds it for unfiltered data.
 */
function readInlineImage(data: Buffer, from: number): { pixels: number; end: number } {
  let at = from;
  let width = 0;
  let height = 0;
  let key: string | undefined;
  while (at < data.length) {
    const c = data[at]!;
    if (isWhite(c) || (isDelimiter(c) && c !== Char.Slash)) {
      at++;
      continue;
    }
    const start = c === Char.Slash ? at + 1 : at;
    at = start;
    while (at < data.length && isRegular(data[at]!)) at++;
    const token = data.toString('latin1', start, Math.min(at, start + 16));
    if (c !== Char.Slash && token === 'ID') break;
    if (c === Char.Slash) {
      key = token;
      continue;
    }
    if (key === 'W' || key === 'Width') width = Number(token) || 0;
    if (key === 'H' || key === 'Height') height = Number(token) || 0;
    key = undefined;
  }
  // One white-space byte follows ID, then the data.
  at += 2;
  while (at + 1 < data.length) {
    if (data[at] === 69 /* E */ && data[at + 1] === 73 /* I */ && isWhite(data[at - 1]!) && (at + 2 >= data.length || isWhite(data[at + 2]!))) {
      return { pixels: Math.max(0, width) * Math.max(0, height), end: at + 2 };
    }
    at++;
  }
  return { pixels: Math.max(0, width) * Math.max(0, height), end: data.length };
}
