/**
 * One-page PDFs of the constructs print workflows export (Illustrator opacity masks, process and spot colours,
 * ICC-tagged colour, transparency groups, optional content, CropBox, /Rotate), written by hand in PDF syntax so
 * each holds exactly the construct it names. Pages are 100 x 50 pt unless said otherwise.
 */
import { deflateSync } from 'node:zlib';
import { onePagePdf, pdfStream } from '../../src/core/minimal-pdf.ts';
import { adobeRgbProfile, grayGamma22Profile } from './icc-profiles.ts';
import { PDFJS_ROOT } from '../../src/core/pdfjs-local-files.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const PAGE = [0, 0, 100, 50] as const;

/** A red rectangle under a luminosity soft mask of a horizontal gray ramp 0.95 → 0.05 (an Illustrator gradient fade). */
export function luminositySoftMaskFadePdf(): Buffer {
  return onePagePdf({
    mediaBox: PAGE,
    content: '/GS1 gs 0.8 0.1 0.1 rg 0 0 100 50 re f',
    pageEntries: '/Resources << /ExtGState << /GS1 5 0 R >> >>',
    objects: [
      '<< /Type /ExtGState /SMask << /Type /Mask /S /Luminosity /G 6 0 R >> >>',
      pdfStream('/Type /XObject /Subtype /Form /BBox [0 0 100 50] /Group << /S /Transparency /CS /DeviceRGB >> /Resources << /Shading << /Sh1 7 0 R >> >>', '/Sh1 sh'),
      '<< /ShadingType 2 /ColorSpace /DeviceGray /Coords [0 0 100 0] /Function << /FunctionType 2 /Domain [0 1] /C0 [0.95] /C1 [0.05] /N 1 >> /Extend [true true] >>',
    ],
  });
}

/** Four DeviceCMYK strips, 100 % cyan, magenta, yellow and black, left to right. */
export function processColoursPdf(): Buffer {
  return onePagePdf({
    mediaBox: PAGE,
    content: ['1 0 0 0 k 0 0 25 50 re f', '0 1 0 0 k 25 0 25 50 re f', '0 0 1 0 k 50 0 25 50 re f', '0 0 0 1 k 75 0 25 50 re f'].join('\n'),
  });
}

/** Adobe RGB (1998) 26,153,76 (as 8-bit values) in an ICCBased space with the profile embedded. */
export function iccAdobeRgbPdf(): Buffer {
  return onePagePdf({
    mediaBox: PAGE,
    content: `/CS0 cs ${[26, 153, 76].map((v) => (v / 255).toFixed(4)).join(' ')} sc 0 0 100 50 re f`,
    pageEntries: '/Resources << /ColorSpace << /CS0 [/ICCBased 5 0 R] >> >>',
    objects: [pdfStream('/N 3 /Alternate /DeviceRGB', adobeRgbProfile())],
  });
}

/** Left: ICCBased gray (gamma 2.2) at 0.5; right: ICCBased CMYK (the profile pdf.js ships) at 100 % magenta. */
export function iccGrayAndCmykPdf(): Buffer {
  const cmykProfile = readFileSync(path.join(PDFJS_ROOT, 'iccs', 'CGATS001Compat-v2-micro.icc'));
  return onePagePdf({
    mediaBox: PAGE,
    content: '/CS0 cs 0.5 sc 0 0 50 50 re f /CS1 cs 0 1 0 0 sc 50 0 50 50 re f',
    pageEntries: '/Resources << /ColorSpace << /CS0 [/ICCBased 5 0 R] /CS1 [/ICCBased 6 0 R] >> >>',
    objects: [pdfStream('/N 1 /Alternate /DeviceGray', grayGamma22Profile()), pdfStream('/N 4 /Alternate /DeviceCMYK', cmykProfile)],
  });
}

/** A spot colour (Separation, CMYK alternate 0 0.95 1 0, a warm red) at tint 1 (left) and 0.5 (right). */
export function separationPdf(): Buffer {
  return onePagePdf({
    mediaBox: PAGE,
    content: '/CS0 cs 1 scn 0 0 50 50 re f 0.5 scn 50 0 50 50 re f',
    pageEntries: '/Resources << /ColorSpace << /CS0 [/Separation /PANTONE#20485#20C /DeviceCMYK 5 0 R] >> >>',
    objects: ['<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [0 0.95 1 0] /N 1 >>'],
  });
}

/** Three strips: DeviceN (cyan + magenta, CMYK alternate), CalRGB, CalGray. */
export function otherColourSpacesPdf(): Buffer {
  return onePagePdf({
    mediaBox: [0, 0, 90, 30],
    content: '/CS0 cs 0.5 0.8 scn 0 0 30 30 re f /CS1 cs 0.2 0.5 0.8 sc 30 0 30 30 re f /CS2 cs 0.5 sc 60 0 30 30 re f',
    pageEntries:
      '/Resources << /ColorSpace << /CS0 [/DeviceN [/Cyan /Magenta] /DeviceCMYK 5 0 R] ' +
      '/CS1 [/CalRGB << /WhitePoint [0.9505 1 1.089] /Gamma [2.2 2.2 2.2] /Matrix [0.4124 0.2126 0.0193 0.3576 0.7152 0.1192 0.1805 0.0722 0.9505] >>] ' +
      '/CS2 [/CalGray << /WhitePoint [0.9505 1 1.089] /Gamma 2.2 >>] >> >>',
    objects: [pdfStream('/FunctionType 4 /Domain [0 1 0 1] /Range [0 1 0 1 0 1 0 1]', '{ 0 0 }')],
  });
}

/** Left: red then blue with /BM /Multiply overlapping; right: a transparency group of two overlapping squares at /ca 0.5. */
export function blendAndGroupOpacityPdf(): Buffer {
  return onePagePdf({
    mediaBox: PAGE,
    content: ['1 0 0 rg 0 0 30 50 re f', 'q /Mul gs 0 0 1 rg 15 0 30 50 re f Q', 'q /Half gs /Grp Do Q'].join('\n'),
    pageEntries: '/Resources << /ExtGState << /Mul 5 0 R /Half 6 0 R >> /XObject << /Grp 7 0 R >> >>',
    objects: [
      '<< /Type /ExtGState /BM /Multiply >>',
      '<< /Type /ExtGState /ca 0.5 /CA 0.5 >>',
      pdfStream('/Type /XObject /Subtype /Form /BBox [0 0 100 50] /Group << /S /Transparency /I true >>', '0 0.6 0 rg 55 5 30 40 re f 0 0.6 0 rg 65 5 30 40 re f'),
    ],
  });
}

/** An 8 x 1 red image with an 8 x 1 gray soft mask falling 255 → 0, stretched over the page. */
export function imageWithSoftMaskPdf(): Buffer {
  const pixels = Buffer.alloc(8 * 3);
  for (let i = 0; i < 8; i++) pixels[i * 3] = 220;
  const mask = Buffer.from(Array.from({ length: 8 }, (_, i) => Math.round(255 - (i * 255) / 7)));
  return onePagePdf({
    mediaBox: PAGE,
    content: 'q 100 0 0 50 0 0 cm /Im1 Do Q',
    pageEntries: '/Resources << /XObject << /Im1 5 0 R >> >>',
    objects: [
      pdfStream('/Type /XObject /Subtype /Image /Width 8 /Height 1 /ColorSpace /DeviceRGB /BitsPerComponent 8 /SMask 6 0 R /Filter /FlateDecode', deflateSync(pixels)),
      pdfStream('/Type /XObject /Subtype /Image /Width 8 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode', deflateSync(mask)),
    ],
  });
}

/** A blue page with a red rectangle in optional content that is OFF by default (it must not show). */
export function optionalContentOffPdf(): Buffer {
  return onePagePdf({
    mediaBox: PAGE,
    content: '0 0 1 rg 0 0 100 50 re f /OC /oc1 BDC 1 0 0 rg 25 10 50 30 re f EMC',
    catalogEntries: '/OCProperties << /OCGs [5 0 R] /D << /OFF [5 0 R] >> >>',
    pageEntries: '/Resources << /Properties << /oc1 5 0 R >> >>',
    objects: ['<< /Type /OCG /Name (Hidden layer) >>'],
  });
}

/**
 * MediaBox 300 x 100 with a CropBox of its middle 200 x 100 and /Rotate 90: a 100 x 200 pt page. Inside the crop,
 * the left half is red, the right half blue; rotated a quarter turn clockwise, red is on top.
 */
export function cropBoxRotatePdf(): Buffer {
  return onePagePdf({
    mediaBox: [0, 0, 300, 100],
    content: '0 1 0 rg 0 0 300 100 re f 1 0 0 rg 50 0 100 100 re f 0 0 1 rg 150 0 100 100 re f',
    pageEntries: '/CropBox [50 0 250 100] /Rotate 90',
  });
}

/** A radial shading clipped by an even-odd path (a frame: the outer square minus the inner one). */
export function radialShadingEvenOddClipPdf(): Buffer {
  return onePagePdf({
    mediaBox: PAGE,
    content: '5 5 90 40 re 30 15 40 20 re W* n /Sh1 sh',
    pageEntries: '/Resources << /Shading << /Sh1 5 0 R >> >>',
    objects: [
      '<< /ShadingType 3 /ColorSpace /DeviceRGB /Coords [50 25 0 50 25 50] /Function << /FunctionType 2 /Domain [0 1] /C0 [1 0.9 0] /C1 [0 0.2 0.8] /N 1 >> /Extend [true true] >>',
    ],
  });
}

/** A fill under a graphics-state transfer function that inverts each component (/TR: 1 - x). */
export function transferFunctionFillPdf(): Buffer {
  return onePagePdf({
    mediaBox: PAGE,
    content: 'q /Inv gs 0.8 0.2 0.1 rg 10 10 80 30 re f Q',
    pageEntries: '/Resources << /ExtGState << /Inv 5 0 R >> >>',
    objects: ['<< /Type /ExtGState /TR << /FunctionType 2 /Domain [0 1] /C0 [1] /C1 [0] /N 1 >> >>'],
  });
}

/** A logo-sized page (300 x 186 pt) of 150 small squares, each its own DeviceCMYK colour (a colour conversion per fill). */
export function cmykVectorLogoPdf(): Buffer {
  const squares = Array.from({ length: 150 }, (_, i) => {
    const [c, m, y, k] = [(i % 5) / 4, (i % 7) / 6, (i % 3) / 2, (i % 11) / 20];
    return `${c.toFixed(3)} ${m.toFixed(3)} ${y.toFixed(3)} ${k.toFixed(3)} k ${(i % 15) * 20} ${Math.floor(i / 15) * 18} 18 16 re f`;
  });
  return onePagePdf({ mediaBox: [0, 0, 300, 186], content: squares.join('\n') });
}

/** A logo-sized page (300 x 186 pt) filled by a 900 x 558 DeviceCMYK photo-like image (every pixel converted). */
export function cmykImageLogoPdf(): Buffer {
  const width = 900;
  const height = 558;
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = ((x + y) * 127) / (width + height);
      pixels[i + 3] = (x ^ y) & 63;
    }
  }
  return onePagePdf({
    mediaBox: [0, 0, 300, 186],
    content: 'q 300 0 0 186 0 0 cm /Im1 Do Q',
    pageEntries: '/Resources << /XObject << /Im1 5 0 R >> >>',
    objects: [pdfStream(`/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /FlateDecode`, deflateSync(pixels))],
  });
}
