import { describe, expect, it } from 'vitest';
import { assertSafeSvg, MAX_SVG_BYTES, MAX_SVG_DRAWN_ELEMENTS, RASTERIZE_OPTIONS, sanitizeSvg } from '../../src/core/svg-safety.ts';
import { HOSTILE_SVGS } from '../support/hostile-svg-corpus.ts';
import { makeLogoSvg, makeSvg, UNSAFE_SVGS } from '../support/svg-fixtures.ts';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('assertSafeSvg', () => {
  it.each(Object.entries(UNSAFE_SVGS))('refuses %s with 502 SVG_UNSAFE', (_name, svg) => {
    let caught: unknown;
    try {
      assertSafeSvg(Buffer.from(svg));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ status: 502, code: 'SVG_UNSAFE' });
  });

  it('accepts ordinary logos, fragment references, gradients and embedded bitmaps', () => {
    const safe = makeSvg({
      prolog:
        '<?xml version="1.0" encoding="UTF-8"?><!-- Generator: an editor --><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
      width: 100,
      height: 50,
      extra:
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>' +
        '<rect width="10" height="10" fill="url(#g)" style="fill:url(\'#g\')"/><use href="#g"/><g xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="#g"/></g>' +
        '<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/><text font-family="Montserrat">Bonjour</text>',
    });
    expect(() => assertSafeSvg(safe)).not.toThrow();
    expect(() => assertSafeSvg(makeLogoSvg())).not.toThrow();
  });

  it('refuses an SVG over the size limit with SVG_TOO_LARGE', () => {
    const huge = Buffer.concat([Buffer.from('<svg xmlns="http://www.w3.org/2000/svg">'), Buffer.alloc(MAX_SVG_BYTES, 32), Buffer.from('</svg>')]);
    expect(codeOf(() => assertSafeSvg(huge))).toBe('SVG_TOO_LARGE');
  });
});

describe('sanitizeSvg', () => {
  it.each(HOSTILE_SVGS.map((hostile) => [hostile.id, hostile] as const))('refuses %s (SVG_UNSAFE or SVG_INVALID)', (_id, hostile) => {
    let caught: unknown;
    try {
      sanitizeSvg(hostile.body('http://127.0.0.1:9'), { allowDataImages: true });
    } catch (error) {
      caught = error;
    }
    expect((caught as { status?: number }).status).toBe(502);
    expect(['SVG_UNSAFE', 'SVG_INVALID']).toContain((caught as { code?: string }).code);
  });

  it('rebuilds: comments, PIs, DOCTYPE, foreign namespaces and unknown attributes are gone; references keep only #fragments', () => {
    const input = Buffer.from(
      '<?xml version="1.0"?><!-- c --><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">' +
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" ' +
        'inkscape:version="1" data-x="1" width="10" height="10"><inkscape:thing/><defs><path id="p" d="M0 0h5v5z"/></defs>' +
        '<use xlink:href="#p" fill="red" unknown="1"/><text>a &lt; b</text></svg>',
    );
    expect(sanitizeSvg(input).toString()).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><defs><path id="p" d="M0 0h5v5z"></path></defs>' +
        '<use xlink:href="#p" fill="red"></use><text>a &lt; b</text></svg>',
    );
  });

  it('passthrough refuses embedded bitmaps that rasterizing accepts', () => {
    const svg = makeSvg({ width: 10, height: 10, extra: '<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>' });
    expect(codeOf(() => sanitizeSvg(svg))).toBe('SVG_UNSAFE');
    expect(codeOf(() => sanitizeSvg(svg, { allowDataImages: true }))).toBeUndefined();
  });
});

describe('sanitizeSvg: constructs allowed since the resvg corpus (each with its hostile variants)', () => {
  const open = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">';
  const rebuilt = (inner: string, options = {}) => sanitizeSvg(Buffer.from(`${open}${inner}</svg>`), options).toString();
  const refusal = (inner: string, options = {}) => codeOf(() => sanitizeSvg(Buffer.from(`${open}${inner}</svg>`), options));

  it('<a> that links nowhere or within the document is kept as a group, its href and target never written', () => {
    expect(rebuilt('<a><rect width="5" height="5"/></a>')).toContain('<a><rect width="5" height="5"></rect></a>');
    const kept = rebuilt('<a href="#r" target="_blank"><rect id="r" width="5" height="5"/></a><text><a xlink:href="#r"><tspan>t</tspan></a></text>');
    expect(kept).toContain('<a><rect id="r" width="5" height="5"></rect></a>');
    expect(kept).toContain('<text><a><tspan>t</tspan></a></text>');
    expect(kept).not.toMatch(/href|target/);
  });

  it.each([
    ['off-site', '<a href="https://evil.example/"><rect width="5" height="5"/></a>'],
    ['protocol-relative', '<a xlink:href="//evil.example/x"><rect width="5" height="5"/></a>'],
    ['relative', '<a href="page.html#x"><rect width="5" height="5"/></a>'],
    ['javascript', '<a href=" javascript:alert(1)"><rect width="5" height="5"/></a>'],
    ['data', '<a href="data:text/html,x"><rect width="5" height="5"/></a>'],
    ['fragment with a space', '<a href="#a b"><rect width="5" height="5"/></a>'],
    ['event handler', '<a href="#r" onclick="alert(1)"><rect width="5" height="5"/></a>'],
    ['script inside', '<a href="#r"><script>alert(1)</script></a>'],
    ['SMIL on its href', '<a href="#r"><set attributeName="href" to="https://evil.example/"/></a>'],
  ])('a hostile <a> is still refused: %s', (_name, inner) => {
    expect(refusal(inner)).toBe('SVG_UNSAFE');
    expect(refusal(inner, { allowDataImages: true })).toBe('SVG_UNSAFE');
  });

  it('<switch> and systemLanguage are decided here (English reader): the first passing child is written in a <g>', () => {
    const out = rebuilt(
      '<switch fill="green"><desc>d</desc><rect systemLanguage="ru" width="1" height="1"/><rect requiredExtensions="http://example.org/x" width="2" height="2"/>' +
        '<rect systemLanguage="de, en-GB" width="3" height="3"/><rect width="4" height="4"/></switch><circle systemLanguage="fr" r="1"/><circle systemLanguage="en" r="2"/>',
    );
    expect(out).toContain('<g fill="green"><desc>d</desc><rect width="3" height="3"></rect></g>');
    expect(out).toContain('<circle r="2"></circle>');
    expect(out).not.toMatch(/switch|systemLanguage|requiredExtensions|r="1"/);
    // On definitions the attributes mean nothing: the gradient stays.
    expect(rebuilt('<linearGradient id="g" systemLanguage="ru"/>')).toContain('<linearGradient id="g"></linearGradient>');
  });

  it.each([
    ['a script in a branch the switch does not draw', '<switch><rect width="1" height="1"/><g><script>alert(1)</script></g></switch>'],
    ['a script under a false systemLanguage', '<g systemLanguage="xx"><script>alert(1)</script></g>'],
    ['an event handler in a losing branch', '<switch><rect width="1" height="1"/><rect onload="alert(1)"/></switch>'],
    ['foreignObject behind requiredExtensions (an editor\'s private data)', '<switch><foreignObject requiredExtensions="http://ns.adobe.com/AdobeIllustrator/10.0/"/><g/></switch>'],
    ['an off-site image in a branch never drawn', '<switch><g/><image href="https://evil.example/x.png"/></switch>'],
  ])('what a switch or a condition hides is still checked: %s', (_name, inner) => {
    expect(refusal(inner, { allowDataImages: true })).toBe('SVG_UNSAFE');
  });

  it('<use> chains are allowed; cycles are left out (renderers draw nothing for them)', () => {
    const chain = rebuilt('<defs><rect id="r" width="1" height="1"/><use id="u1" href="#r"/><use id="u2" href="#u1"/></defs><use href="#u2"/>');
    expect(chain).toContain('<use href="#u2"></use>');
    const cycles = rebuilt(
      '<use id="self" href="#self"/><use id="a" href="#b"/><use id="b" href="#a"/><g id="g"><use id="back" href="#g"/><rect width="1" height="1"/></g><use id="ok" href="#g"/>',
    );
    expect(cycles).not.toMatch(/id="(?:self|a|b|back)"/);
    expect(cycles).toContain('<g id="g"><rect width="1" height="1"></rect></g><use id="ok" href="#g"></use>');
    // A digit-first id resolves (renderers accept it) and is a plain fragment.
    expect(rebuilt('<rect id="1" width="1" height="1"/><use xlink:href="#1"/>')).toContain('<use xlink:href="#1"></use>');
  });

  it(`hostile: <use> fan-out is refused above ${MAX_SVG_DRAWN_ELEMENTS} drawn elements, exactly at the bound it is not`, () => {
    // svg + defs + motif (g + 98 rects) = 101; each of 998 uses draws 1 + 99; plus `extra` plain rects.
    const motif = `<defs><g id="m">${'<rect width="1" height="1"/>'.repeat(98)}</g></defs>`;
    const uses = '<use href="#m"/>'.repeat(998);
    const document = (extra: number) => `${motif}${uses}${'<circle r="1"/>'.repeat(extra)}`;
    expect(101 + 998 * 100 + 99).toBe(MAX_SVG_DRAWN_ELEMENTS);
    expect(refusal(document(99))).toBeUndefined();
    expect(refusal(document(100))).toBe('SVG_UNSAFE');
  });

  it('hostile: a duplicate id cannot hide a large target behind a small one', () => {
    const large = `<g id="m">${'<rect width="1" height="1"/>'.repeat(1000)}</g>`;
    expect(refusal(`<defs><rect id="m" width="1" height="1"/>${large}</defs>${'<use href="#m"/>'.repeat(100)}`)).toBe('SVG_UNSAFE');
  });

  it('mask-type is kept; its value is checked like every other', () => {
    expect(rebuilt('<mask id="k" mask-type="alpha"/>')).toContain('<mask id="k" mask-type="alpha"></mask>');
    expect(refusal('<mask id="k" mask-type="url(https://evil.example/x)"/>')).toBe('SVG_UNSAFE');
  });

  it('absolute units become px for the rasterizer only (the passthrough keeps what the logo says)', () => {
    const inner = '<style>rect{stroke-width:1pt}</style><rect id="a5mm" x="5mm" width="1in" height="10" style="stroke-width:2mm"/>';
    expect(rebuilt(inner)).toContain('<rect id="a5mm" x="5mm" width="1in" height="10" style="stroke-width:2mm"></rect>');
    const rasterized = rebuilt(inner, RASTERIZE_OPTIONS);
    expect(rasterized).toContain('<style>rect{stroke-width:1.3333333px}</style>');
    expect(rasterized).toContain('<rect id="a5mm" x="18.897638px" width="96px" height="10" style="stroke-width:7.5590551px"></rect>');
  });
});
