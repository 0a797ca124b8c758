/**
 * The golden cases: each renders a card from test/fixtures/golden-assets and compares it with golden/<name>.png.
 * Solid-shape cases also state where DESIGN §2 puts each logo (rect) and colours at given pixels (probes);
 * those numbers are worked out by hand from §2, independently of src/core/layout.ts.
 */
import { COLORS, TRANSLUCENT_OPACITY } from './make-golden-fixtures.ts';

type Rgb = [number, number, number];

export interface ExpectedLogo {
  what: string;
  color: Rgb;
  rect: { left: number; top: number; width: number; height: number };
}

export interface GoldenCase {
  name: string;
  productConfig: Record<string, unknown>;
  text?: string;
  logos?: ExpectedLogo[];
  /** Colours that must not appear (a logo that must not be drawn). */
  absentColors?: Rgb[];
  /** Exact colours at pixels, ±3 levels. */
  probes?: Array<{ x: number; y: number; color: Rgb }>;
}

const blend = (color: Rgb, alpha: number, under: Rgb): Rgb =>
  color.map((c, i) => Math.round(c * alpha + under[i]! * (1 - alpha))) as Rgb;

/** The translucent PDF logo over the dark background, straight-alpha "over" (alpha as pdf.js stores it, 128/255). */
export const TRANSLUCENT_EXPECTED = blend(COLORS.translucentYellow, Math.round(TRANSLUCENT_OPACITY * 255) / 255, COLORS.darkBackground);

// issuer 400x200 alone fits 1372x283 as 566x283: left = 82 + floor((1372-566)/2) = 485.
const ISSUER_ALONE = { left: 485, top: 57, width: 566, height: 283 };
// brand 200x120 fits 459x283 as 459x275 (s = 2.295): right edge 1454, bottom 912.
const BRAND_SOLID = { left: 995, top: 637, width: 459, height: 275 };
// square brand (20x20 or 4000x4000) fits as 283x283: left 1454-283 = 1171, top 912-283 = 629.
const BRAND_SQUARE = { left: 1171, top: 629, width: 283, height: 283 };

export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: 'png-only',
    productConfig: { cardBackgroundAssetId: 'bg-stripes', issuerLogoAssetId: 'issuer-shape', brandLogoAssetId: 'brand-circles', foregroundColor: 'ffffff' },
  },
  {
    name: 'pdf-vector-logos',
    productConfig: { cardBackgroundAssetId: 'bg-vector', issuerLogoAssetId: 'issuer-vector', brandLogoAssetId: 'brand-vector' },
  },
  {
    name: 'svg-logo',
    productConfig: { cardBackgroundAssetId: 'bg-stripes', issuerLogoAssetId: 'issuer-svg', brandLogoAssetId: 'brand-circles' },
  },
  {
    name: 'translucent-pdf-logo',
    productConfig: { cardBackgroundAssetId: 'bg-dark', issuerLogoAssetId: 'issuer-translucent' },
    logos: [{ what: 'issuer', color: TRANSLUCENT_EXPECTED, rect: ISSUER_ALONE }],
    probes: [
      { x: 485 + 283, y: 57 + 141, color: TRANSLUCENT_EXPECTED },
      { x: 20, y: 20, color: COLORS.darkBackground },
    ],
  },
  {
    name: 'issuer-and-cobrand',
    productConfig: {
      cardBackgroundAssetId: 'bg-dark',
      issuerLogoAssetId: 'issuer-solid',
      coBrandLogoAssetId: 'cobrand-solid',
      isCoBranded: true,
      brandLogoAssetId: 'brand-solid',
    },
    logos: [
      // issuer 566x283 + 82 + co-brand 645x215 = 1293; pair left = 82 + floor(79/2) = 121.
      { what: 'issuer', color: COLORS.issuerRed, rect: { left: 121, top: 57, width: 566, height: 283 } },
      // co-brand left = 121 + 566 + 82 = 769, top = 57 + floor((283-215)/2) = 91.
      { what: 'co-brand', color: COLORS.coBrandGreen, rect: { left: 769, top: 91, width: 645, height: 215 } },
      { what: 'brand', color: COLORS.brandBlue, rect: BRAND_SOLID },
    ],
  },
  {
    // isCoBranded false: the co-brand logo is not drawn even though its ID is present; the issuer stands alone.
    name: 'cobrand-flag-false',
    productConfig: {
      cardBackgroundAssetId: 'bg-dark',
      issuerLogoAssetId: 'issuer-solid',
      coBrandLogoAssetId: 'cobrand-solid',
      isCoBranded: false,
      brandLogoAssetId: 'brand-solid',
    },
    logos: [
      { what: 'issuer', color: COLORS.issuerRed, rect: ISSUER_ALONE },
      { what: 'brand', color: COLORS.brandBlue, rect: BRAND_SOLID },
    ],
    absentColors: [COLORS.coBrandGreen],
  },
  {
    // The combined image is used as is; the component issuer logo is ignored; only the text is added.
    name: 'combined-background',
    productConfig: { cardBackgroundCombinedAssetId: 'combined-card', issuerLogoAssetId: 'issuer-solid', foregroundColor: 'FFFFFF' },
    text: '•••• 4321',
    absentColors: [COLORS.issuerRed],
    probes: [
      { x: 768, y: 200, color: [224, 224, 224] },
      { x: 20, y: 20, color: [0x2e, 0x4a, 0x62] },
    ],
  },
  {
    // 1920x1080 covers as 1723x969, crop left 93: the red end bands are cut off, the white bars land near the edges.
    name: 'background-16x9',
    productConfig: { cardBackgroundAssetId: 'bg-wide-16x9', issuerLogoAssetId: 'issuer-solid-vector' },
    logos: [
      // PDF 400x150 pt fits 1372x283 as 755x283 (s = 283/150): left = 82 + floor(617/2) = 390.
      { what: 'issuer (PDF)', color: COLORS.pdfMagenta, rect: { left: 390, top: 57, width: 755, height: 283 } },
    ],
    absentColors: [[255, 0, 0]],
    probes: [
      // card x → source x = (x + 93)·1080/969: white bars at source 110..130 and 1790..1810 land at card 6..23 and 1513..1531.
      { x: 2, y: 500, color: [0x28, 0x5a, 0x3c] },
      { x: 15, y: 500, color: [255, 255, 255] },
      { x: 1522, y: 500, color: [255, 255, 255] },
      { x: 1535, y: 500, color: [0x28, 0x5a, 0x3c] },
    ],
  },
  {
    // 500x500 pt PDF covers as 1536x1536 (rasterized at that size), crop top 283: quadrants meet at card (768, 485).
    name: 'background-1x1-pdf',
    productConfig: { cardBackgroundAssetId: 'bg-square', brandLogoAssetId: 'brand-vector' },
    probes: [
      { x: 30, y: 100, color: [40, 120, 40] },
      { x: 1500, y: 100, color: [90, 90, 90] },
      { x: 30, y: 900, color: [40, 40, 120] },
      { x: 1500, y: 900, color: [120, 40, 40] },
      { x: 768, y: 484, color: [250, 250, 250] },
    ],
  },
  {
    name: 'tiny-logos',
    productConfig: { cardBackgroundAssetId: 'bg-dark', issuerLogoAssetId: 'issuer-tiny', brandLogoAssetId: 'brand-tiny' },
    logos: [
      // 20x10 scales up to 566x283, like any 2:1 logo.
      { what: 'issuer', color: COLORS.issuerRed, rect: ISSUER_ALONE },
      { what: 'brand', color: COLORS.brandBlue, rect: BRAND_SQUARE },
    ],
  },
  {
    name: 'huge-logos',
    productConfig: { cardBackgroundAssetId: 'bg-dark', issuerLogoAssetId: 'issuer-huge', brandLogoAssetId: 'brand-huge' },
    logos: [
      // 4000x1000 scales down to 1132x283: left = 82 + floor(240/2) = 202.
      { what: 'issuer', color: COLORS.issuerRed, rect: { left: 202, top: 57, width: 1132, height: 283 } },
      { what: 'brand', color: COLORS.brandBlue, rect: BRAND_SQUARE },
    ],
  },
  {
    name: 'text-light',
    productConfig: { cardBackgroundAssetId: 'bg-dark', brandLogoAssetId: 'brand-circles', foregroundColor: 'f5f5f5' },
    text: '•••• 1234',
  },
  {
    name: 'text-dark',
    productConfig: { cardBackgroundAssetId: 'bg-light', issuerLogoAssetId: 'issuer-shape', brandLogoAssetId: 'brand-vector', foregroundColor: '1a1a1a' },
    text: 'VIRTUAL •••• 5678',
  },
  {
    // One Get Asset body with a PDF (misspelt MIME type) and two PNG previews: the PDF is drawn, not the grey PNG.
    name: 'multi-entry-asset',
    productConfig: { cardBackgroundAssetId: 'bg-stripes', issuerLogoAssetId: 'issuer-multi' },
    absentColors: [[0x88, 0x88, 0x88]],
  },
];
