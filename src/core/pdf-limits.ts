/** PDF bounds shared by the service and the rasterizer process; kept apart from rasterize-pdf so importing them never loads pdf.js. */

/** 14400 pt (200 in): the largest page side the PDF specification allows. */
export const MAX_PDF_PAGE_SIDE_PT = 14_400;
/** 10 s: a card logo renders in well under a second; longer is a hostile or broken document. */
export const DEFAULT_PDF_RENDER_TIMEOUT_MS = 10_000;
/**
 * 24 MP per embedded image (96 MB as RGBA), pdf.js's own backstop: the preflight already refuses declared images
 * larger than the layer needs (see pdf-preflight.ts); this also covers inline images the preflight cannot see.
 */
export const DEFAULT_PDF_MAX_IMAGE_PIXELS = 24_000_000;
/** 250 000 drawing operators: an intricate vector logo has tens of thousands; pdf.js keeps every one in memory. */
export const DEFAULT_PDF_MAX_OPERATORS = 250_000;
/** 64 MB (16 MP RGBA): pdf.js downscales any decoded image bigger than this before drawing it. */
export const PDF_CANVAS_MAX_AREA_BYTES = 64 * 1024 * 1024;
