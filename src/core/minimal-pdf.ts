/**
 * Writes small PDFs from hand-written object bodies (PDF 1.7 syntax, a classic cross-reference table), for the
 * rasterizer's colour self-check and for test fixtures that need constructs pdf-lib does not draw (soft masks, ICC
 * and spot colour spaces). Object n is `objects[n - 1]`; object 1 must be the catalog.
 */

/** A stream object body: `dictionary` (without `<<` `>>` and /Length) and its bytes, stored as they are. */
export function pdfStream(dictionary: string, data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return Buffer.concat([
    Buffer.from(`<< ${dictionary} /Length ${bytes.length} >>\nstream\n`, 'latin1'),
    bytes,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

/** The whole file: header, the numbered objects, the cross-reference table and the trailer. */
export function writePdf(objects: ReadonlyArray<string | Buffer>): Buffer {
  // The binary comment line marks the file as binary for tools that look (PDF 32000-1, 7.5.2).
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    const object = Buffer.concat([
      Buffer.from(`${index + 1} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    offsets.push(offset);
    parts.push(object);
    offset += object.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((at) => `${String(at).padStart(10, '0')} 00000 n \n`)];
  parts.push(Buffer.from(`${xref.join('')}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${offset}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** A one-page document: catalog, pages, the page (with `pageEntries` such as /Resources or /Rotate) and its content. */
export function onePagePdf(options: {
  mediaBox: readonly [number, number, number, number];
  content: string;
  pageEntries?: string;
  /** Further catalog entries (e.g. /OCProperties). */
  catalogEntries?: string;
  /** Further objects, numbered from 5 on (resources refer to them as `5 0 R`, ...). */
  objects?: ReadonlyArray<string | Buffer>;
}): Buffer {
  return writePdf([
    `<< /Type /Catalog /Pages 2 0 R ${options.catalogEntries ?? ''} >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [${options.mediaBox.join(' ')}] /Contents 4 0 R ${options.pageEntries ?? ''} >>`,
    pdfStream('', options.content),
    ...(options.objects ?? []),
  ]);
}
