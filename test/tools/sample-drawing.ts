import { LineCapStyle, type PDFDict, PDFDocument, PDFName, PDFOperator, PDFOperatorNames, popGraphicsState, pushGraphicsState, rgb } from 'pdf-lib';
import sharp from 'sharp';

/** A vector drawing (units = PDF points = SVG user units, y down) that renders to SVG, PDF and PNG alike. */
export type Shape =
  | { kind: 'path'; d: string; fill?: string; stroke?: string; strokeWidth?: number; opacity?: number }
  /** Fills the whole canvas with a linear gradient along (x0,y0)→(x1,y1). */
  | { kind: 'gradient'; x0: number; y0: number; x1: number; y1: number; from: string; to: string };

export interface Drawing {
  width: number;
  height: number;
  shapes: Shape[];
}

/** Circle as four cubic Béziers (no arcs, so every renderer draws it the same). */
export function circlePath(cx: number, cy: number, r: number): string {
  const k = 0.5523 * r;
  return [
    `M${cx - r} ${cy}`,
    `C${cx - r} ${cy - k} ${cx - k} ${cy - r} ${cx} ${cy - r}`,
    `C${cx + k} ${cy - r} ${cx + r} ${cy - k} ${cx + r} ${cy}`,
    `C${cx + r} ${cy + k} ${cx + k} ${cy + r} ${cx} ${cy + r}`,
    `C${cx - k} ${cy + r} ${cx - r} ${cy + k} ${cx - r} ${cy} Z`,
  ].join(' ');
}

export function roundedRectPath(x: number, y: number, w: number, h: number, r: number): string {
  return `M${x + r} ${y} H${x + w - r} Q${x + w} ${y} ${x + w} ${y + r} V${y + h - r} Q${x + w} ${y + h} ${x + w - r} ${y + h} H${x + r} Q${x} ${y + h} ${x} ${y + h - r} V${y + r} Q${x} ${y} ${x + r} ${y} Z`;
}

/** The drawing's shapes as SVG elements (no <svg> wrapper), so drawings can be nested. */
export function svgElements(drawing: Drawing, idPrefix: string): string {
  return drawing.shapes
    .map((shape, index) => {
      if (shape.kind === 'gradient') {
        const id = `${idPrefix}g${index}`;
        return (
          `<defs><linearGradient id="${id}" gradientUnits="userSpaceOnUse" x1="${shape.x0}" y1="${shape.y0}" x2="${shape.x1}" y2="${shape.y1}">` +
          `<stop offset="0" stop-color="${shape.from}"/><stop offset="1" stop-color="${shape.to}"/></linearGradient></defs>` +
          `<rect width="${drawing.width}" height="${drawing.height}" fill="url(#${id})"/>`
        );
      }
      const stroke = shape.stroke
        ? ` stroke="${shape.stroke}" stroke-width="${shape.strokeWidth ?? 1}" stroke-linecap="round" stroke-linejoin="round"`
        : '';
      const opacity = shape.opacity !== undefined ? ` opacity="${shape.opacity}"` : '';
      return `<path d="${shape.d}" fill="${shape.fill ?? 'none'}"${stroke}${opacity}/>`;
    })
    .join('');
}

export function toSvg(drawing: Drawing, pixelSize?: { width: number; height: number }): string {
  const size = pixelSize ?? drawing;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${drawing.width} ${drawing.height}">` +
    `${svgElements(drawing, 's')}</svg>\n`
  );
}

/** PNG at the given pixel size; `palette` quantizes (gradients stay small at a little banding cost). */
export async function toPng(svg: string, options: { palette?: boolean } = {}): Promise<Buffer> {
  const image = sharp(Buffer.from(svg));
  return options.palette
    ? image.png({ palette: true, colours: 128, dither: 0.6, compressionLevel: 9, effort: 10 }).toBuffer()
    : image.png({ compressionLevel: 9 }).toBuffer();
}

/** A one-page PDF of the drawing: real vector paths and, for gradients, a real axial shading. */
export async function toPdf(drawing: Drawing, title: string): Promise<Buffer> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.setTitle(title);
  const page = pdf.addPage([drawing.width, drawing.height]);
  let shadings: PDFDict | undefined;
  drawing.shapes.forEach((shape, index) => {
    if (shape.kind === 'gradient') {
      const fn = pdf.context.obj({ FunctionType: 2, Domain: [0, 1], C0: rgbComponents(shape.from), C1: rgbComponents(shape.to), N: 1 });
      const shading = pdf.context.register(
        pdf.context.obj({
          ShadingType: 2,
          ColorSpace: 'DeviceRGB',
          // PDF space has y up.
          Coords: [shape.x0, drawing.height - shape.y0, shape.x1, drawing.height - shape.y1],
          Function: fn,
          Extend: [true, true],
        }),
      );
      const name = `Sh${index}`;
      if (!shadings) {
        shadings = pdf.context.obj({});
        page.node.Resources()!.set(PDFName.of('Shading'), shadings);
      }
      shadings.set(PDFName.of(name), shading);
      page.pushOperators(pushGraphicsState(), PDFOperator.of(PDFOperatorNames.ShadingFill, [PDFName.of(name)]), popGraphicsState());
      return;
    }
    page.drawSvgPath(shape.d, {
      x: 0,
      y: drawing.height,
      ...(shape.fill ? { color: toRgb(shape.fill) } : {}),
      ...(shape.stroke ? { borderColor: toRgb(shape.stroke), borderWidth: shape.strokeWidth ?? 1, borderLineCap: LineCapStyle.Round } : {}),
      ...(shape.opacity !== undefined ? { opacity: shape.opacity, borderOpacity: shape.opacity } : {}),
    });
  });
  return Buffer.from(await pdf.save());
}

function rgbComponents(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.replace('#', ''), 16);
  return [((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255];
}

function toRgb(hex: string) {
  return rgb(...rgbComponents(hex));
}
