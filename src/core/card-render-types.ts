/** The contract between the HTTP service and the core renderer (no HTTP in here). */
import { CardArtError } from '../errors.ts';
import type { AssetMedia, OutputFormat, ProductConfig } from './asset-media.ts';

import { ALLOWED_WIDTHS } from './card-widths.ts';

export { ALLOWED_WIDTHS };
export const CARD_WIDTH = 1536;

/** Returns `width` when it is one of ALLOWED_WIDTHS; anything else is 400 INVALID_WIDTH listing them. */
export function assertAllowedWidth(width: unknown): number {
  if (!(ALLOWED_WIDTHS as readonly unknown[]).includes(width)) {
    throw new CardArtError('INVALID_WIDTH', `width must be one of ${ALLOWED_WIDTHS.join(', ')}`);
  }
  return width as number;
}
export const CARD_HEIGHT = 969;

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
};

/** A card request validated at the edge (parseProductConfig, parseCardText): the renderer and its cache key trust it as is. */
export interface CardArtRequest {
  productConfig: ProductConfig;
  text?: string;
  width: number;
  format: OutputFormat;
}

/** An encoded image ready to send. */
export interface EncodedImage {
  bytes: Buffer;
  contentType: string;
  width: number;
  height: number;
}

/** Loads the chosen media of one asset by ID (through the cache, from the upstream). */
export type MediaLoader = (assetId: string, signal?: AbortSignal) => Promise<AssetMedia>;
