import { describe, expect, it } from 'vitest';
import { scanContentStream } from '../../src/core/pdf-content-scan.ts';

const scan = (content: string) => scanContentStream(Buffer.from(content, 'latin1'));

describe('scanContentStream', () => {
  it('counts path construction operators (re as four segments), never text inside strings or comments', () => {
    const counts = scan('0 0 m 10 0 l 10 10 20 20 30 30 c 1 1 2 2 v 1 1 2 2 y h\n0 0 5 5 re f\nBT (0 0 m 1 1 l re) Tj ET % 1 2 m 3 4 l\n<30206d> Tj');
    expect(counts.segments).toBe(6 + 4);
  });

  it('counts Do per name, with #xx escapes decoded as pdf.js decodes them', () => {
    const counts = scan('q /Im0 Do Q q /Im0 Do Q /Fm#31 Do /Fm1 Do Do');
    expect(Object.fromEntries(counts.xobjects)).toEqual({ Im0: 2, Fm1: 2 });
  });

  it('counts inline image pixels and skips their data, whatever bytes it holds', () => {
    const counts = scan('BI /W 10 /H 20 /BPC 8 /CS /G ID \x00/Im0 Do 0 0 m re\xff EI 0 0 m BI /Width 3 /Height 4 /F /AHx ID 00ff EI');
    expect(counts.inlineImagePixels).toBe(10 * 20 + 3 * 4);
    expect(counts.xobjects.size).toBe(0);
    expect(counts.segments).toBe(1);
  });

  it('counts paints while a pattern is the colour; q / Q and other colours are followed', () => {
    const counts = scan(
      [
        '/Pattern cs /P0 scn 0 0 1 1 re f', // P0 fills: 1
        'q 0 g 0 0 1 1 re f Q', // a plain colour inside q: not P0
        'f* B', // P0 again after Q: 2 more
        '/Pattern CS /P1 SCN S b', // stroke with P1 twice (b fills with P0 too: 1 more)
        '1 0 0 rg f', // plain fill
      ].join('\n'),
    );
    expect(Object.fromEntries(counts.patternPaints)).toEqual({ P0: 4, P1: 2 });
  });

  it('counts glyphs shown per font: literal, hex and TJ array strings, with the font of the graphics state', () => {
    const counts = scan("BT /F1 12 Tf (abc) Tj [(de) -250 (f)] TJ <414243> Tj q /F2 9 Tf (xy) ' Q (z) Tj ET");
    expect(Object.fromEntries(counts.glyphs)).toEqual({ F1: 3 + 3 + 3 + 1, F2: 2 });
  });

  it('reads malformed input as far as it goes, without throwing', () => {
    for (const broken of ['(unterminated 0 0 m', '<< /Im0 Do', 'BI /W 5 /H 5 ID no end', ')))]]>> Q Q Q re', '/ Do \x00\x01']) {
      expect(() => scan(broken)).not.toThrow();
    }
    expect(scan('Q Q q Q 0 0 m').segments).toBe(1);
  });
});
