/** PDF fixtures built in the test run (pdf-lib or by hand); no downloaded or brand artwork. */
import { degrees, PDFDocument, StandardFonts, rgb } from 'pdf-lib';

export interface PdfShape {
  /** PDF user-space points, origin bottom-left (as PDF draws). */
  x: number;
  y: number;
  w: number;
  h: number;
  /** '#rrggbb' */
  color: string;
  /** 0..1, default 1 */
  opacity?: number;
}

export interface VectorPdfSpec {
  widthPt: number;
  heightPt: number;
  shapes?: PdfShape[];
  /** Page /Rotate (0, 90, 180, 270). */
  rotate?: number;
}

export interface PdfTextSpec {
  widthPt: number;
  heightPt: number;
  text: string;
  x: number;
  y: number;
  sizePt: number;
  color?: string;
}

function hexToRgb(color: string) {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!match) throw new Error(`bad colour ${color}`);
  return rgb(parseInt(match[1]!, 16) / 255, parseInt(match[2]!, 16) / 255, parseInt(match[3]!, 16) / 255);
}

async function save(doc: PDFDocument): Promise<Buffer> {
  // Plain objects (no object streams) keep the files readable and hand-editable in tests.
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A one-page PDF of filled rectangles on a transparent (unpainted) page. */
export async function makeVectorPdf(spec: VectorPdfSpec): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([spec.widthPt, spec.heightPt]);
  for (const shape of spec.shapes ?? []) {
    page.drawRectangle({
      x: shape.x,
      y: shape.y,
      width: shape.w,
      height: shape.h,
      color: hexToRgb(shape.color),
      opacity: shape.opacity ?? 1,
    });
  }
  if (spec.rotate) {
    page.setRotation(degrees(spec.rotate));
  }
  return save(doc);
}

/** A one-page PDF with text in a standard (non-embedded) Helvetica, which pdf.js renders from its font data. */
export async function makePdfWithText(spec: PdfTextSpec): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([spec.widthPt, spec.heightPt]);
  page.drawText(spec.text, { x: spec.x, y: spec.y, size: spec.sizePt, font, color: hexToRgb(spec.color ?? '#000000') });
  return save(doc);
}

/** A PDF whose page MediaBox is written verbatim (e.g. '0 0 0 0', '0 0 200000 200000', '0 0 abc 10'). */
export async function makePdfWithMediaBox(mediaBox: string): Promise<Buffer> {
  const pdf = (await makeVectorPdf({ widthPt: 100, heightPt: 100, shapes: [{ x: 10, y: 10, w: 20, h: 20, color: '#ff0000' }] }))
    .toString('latin1');
  const replaced = pdf.replace(/\/MediaBox\s*\[[^\]]*\]/, `/MediaBox [${mediaBox}]`);
  return Buffer.from(rebuildXref(replaced), 'latin1');
}

/** The first `fraction` of a valid PDF's bytes. */
export function truncatePdf(pdf: Buffer, fraction = 0.5): Buffer {
  return pdf.subarray(0, Math.floor(pdf.length * fraction));
}

/**
 * A minimal hand-written PDF with a Standard security handler /Encrypt dictionary whose /U does not match the
 * empty user password, so a reader needs a password (pdf-lib cannot encrypt).
 */
export function makeEncryptedLookingPdf(): Buffer {
  const hex32 = (byte: string) => byte.repeat(32);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Contents 4 0 R >>',
    '<< /Length 8 >>\nstream\n0 0 m S \nendstream',
    `<< /Filter /Standard /V 1 /R 2 /O <${hex32('ab')}> /U <${hex32('cd')}> /P -44 >>`,
  ];
  return handWrittenPdf(objects, '/Root 1 0 R /Encrypt 5 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]');
}

/** Rewrites the xref table and startxref offsets after a textual edit (single xref section, no object streams). */
function rebuildXref(pdf: string): string {
  const xrefAt = pdf.lastIndexOf('\nxref\n') + 1;
  const trailerAt = pdf.indexOf('trailer', xrefAt);
  const head = pdf.slice(0, xrefAt);
  const offsets: number[] = [];
  for (const match of head.matchAll(/(?<=^|\n)(\d+) 0 obj\b/g)) offsets[Number(match[1])] = match.index!;
  let table = `xref\n0 ${offsets.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < offsets.length; id++) {
    table += `${String(offsets[id] ?? 0).padStart(10, '0')} 00000 ${offsets[id] === undefined ? 'f' : 'n'} \n`;
  }
  const trailer = pdf.slice(trailerAt).replace(/startxref\s+\d+/, `startxref\n${xrefAt}`);
  return head + table + trailer;
}

/** A drawable PDF that also carries an /OpenAction JavaScript action (a renderer must never run it). */
export function makeJavaScriptPdf(): Buffer {
  const content = '0 0 1 rg 0 0 200 126 re f';
  return handWrittenPdf(
    [
      '<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names << /JavaScript << /Names [(x) 5 0 R] >> >> >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 126] /Contents 4 0 R /AA << /O 5 0 R >> >>',
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
      "<< /Type /Action /S /JavaScript /JS (app.alert\\('pwned'\\); this.submitForm\\('http://127.0.0.1:9/x'\\);) >>",
    ],
  );
}

/** Objects numbered from 1, a correct xref table and a trailer with `trailerEntries` besides /Size. */
export function handWrittenPdf(objects: string[], trailerEntries = '/Root 1 0 R'): Buffer {
  let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} ${trailerEntries} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
