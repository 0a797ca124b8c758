/** Hand-written SVG fixtures (no brand artwork). */

export interface SvgRect {
  x: number;
  y: number;
  w: number;
  h: number;
  /** '#rrggbb' */
  color: string;
  opacity?: number;
}

export interface SvgSpec {
  /** Written as the width/height attributes when given (e.g. 200 or '200px'). */
  width?: number | string;
  height?: number | string;
  /** 'minX minY w h' */
  viewBox?: string;
  rects?: SvgRect[];
  /** Extra markup inserted inside the root element verbatim. */
  extra?: string;
  /** Text before the root element (XML declaration, comments, DOCTYPE). */
  prolog?: string;
}

/** An SVG of rectangles on a transparent background. */
export function makeSvg(spec: SvgSpec): Buffer {
  const attributes = [
    'xmlns="http://www.w3.org/2000/svg"',
    spec.width !== undefined ? `width="${spec.width}"` : '',
    spec.height !== undefined ? `height="${spec.height}"` : '',
    spec.viewBox ? `viewBox="${spec.viewBox}"` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const rects = (spec.rects ?? [])
    .map(
      (rect) =>
        `<rect x="${rect.x}" y="${rect.y}" width="${rect.w}" height="${rect.h}" fill="${rect.color}"${
          rect.opacity === undefined ? '' : ` fill-opacity="${rect.opacity}"`
        }/>`,
    )
    .join('');
  return Buffer.from(`${spec.prolog ?? ''}<svg ${attributes}>${rects}${spec.extra ?? ''}</svg>`, 'utf8');
}

/** A logo-like SVG: a circle and a rectangle in a viewBox, sized by width/height. */
export function makeLogoSvg(width = 192, height = 192): Buffer {
  return makeSvg({
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    extra: `<circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#1a73e8"/>`,
  });
}

/** Unsafe SVGs keyed by what they try, each of which must be refused before rendering. */
export const UNSAFE_SVGS: Record<string, string> = {
  script: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  scriptUpper: '<svg xmlns="http://www.w3.org/2000/svg"><SCRIPT>alert(1)</SCRIPT></svg>',
  entity:
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
  billionLaughs:
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
  externalDtd: '<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg xmlns="http://www.w3.org/2000/svg"/>',
  externalImage:
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="http://169.254.169.254/latest" width="10" height="10"/></svg>',
  fileImage: '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd" width="10" height="10"/></svg>',
  relativeImage: "<svg xmlns=\"http://www.w3.org/2000/svg\"><image href='../secret.png' width='10' height='10'/></svg>",
  svgDataUri:
    '<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/svg+xml;base64,PHN2Zy8+" width="10" height="10"/></svg>',
  javascriptLink: '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect width="5" height="5"/></a></svg>',
  cssUrl: '<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5" style="fill: url(http://evil.example/x)"/></svg>',
  cssImport: '<svg xmlns="http://www.w3.org/2000/svg"><style>@import "http://evil.example/a.css";</style></svg>',
  foreignObject:
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>',
  onload: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="5" height="5"/></svg>',
  onclickNoSpace: '<svg xmlns="http://www.w3.org/2000/svg"><rect width="5"onclick="x()" height="5"/></svg>',
  xmlStylesheet: '<?xml-stylesheet href="http://evil.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
  useExternal: '<svg xmlns="http://www.w3.org/2000/svg"><use href="other.svg#logo"/></svg>',
};
