import { describe, expect, it } from 'vitest';
import { assertSafeSvg, MAX_SVG_BYTES, sanitizeSvg } from '../../src/core/svg-safety.ts';
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
