/** Types shared by decoding, rasterization, caching and compositing. */

export type MediaKind = 'png' | 'pdf' | 'svg';

/** One MDES Get Asset `mediaContents` entry as sent upstream: base64 data, sizes as strings. */
export interface MediaContent {
  type: string;
  data: string;
  height?: string;
  width?: string;
}

export interface GetAssetBody {
  mediaContents: MediaContent[];
}

/**
 * The entry chosen from a Get Asset body: bytes sniffed (not trusted from `type`), and its natural size
 * (PNG: pixels; SVG: width/height or viewBox units; PDF: page 1 in points).
 */
export interface AssetMedia {
  kind: MediaKind;
  bytes: Buffer;
  width: number;
  height: number;
}

/** Raw pixels: 4 channels RGBA, straight (un-premultiplied) alpha, row-major, no padding. */
export interface RasterImage {
  data: Buffer;
  width: number;
  height: number;
}

export interface PixelSize {
  width: number;
  height: number;
}

/** Turns an asset into pixels at exactly `size` (vectors rendered directly at that size). */
export interface Rasterizer {
  rasterize(media: AssetMedia, size: PixelSize): Promise<RasterImage>;
}

export type OutputFormat = 'png' | 'webp' | 'avif';

/** The productConfig fields card-art reads; names are MDES's own. */
export interface ProductConfig {
  cardBackgroundCombinedAssetId?: string;
  cardBackgroundAssetId?: string;
  brandLogoAssetId?: string;
  issuerLogoAssetId?: string;
  coBrandLogoAssetId?: string;
  iconAssetId?: string;
  foregroundColor?: string;
  isCoBranded?: boolean | string;
}
