/** PDF bounds shared by the main thread and the PDF worker; kept apart from rasterize-pdf so importing them never loads pdf.js. */

/** 14400 pt (200 in): the largest page side the PDF specification allows. */
export const MAX_PDF_PAGE_SIDE_PT = 14_400;
/** 10 s: a card logo renders in well under a second; longer is a hostile or broken document. */
export const DEFAULT_PDF_RENDER_TIMEOUT_MS = 10_000;
/** 40 MP per embedded image, the same bound as PNG input (kept here so the PDF worker never loads sharp). */
export const DEFAULT_PDF_MAX_IMAGE_PIXELS = 40_000_000;
