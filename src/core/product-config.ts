/** Validation of productConfig and card text at the edge (HTTP and CLI share it); nothing unchecked reaches sharp. */
import { z } from 'zod';
import { CardArtError } from '../errors.ts';
import { ASSET_ID_PATTERN } from './asset-id.ts';
import type { ProductConfig } from './asset-media.ts';
import { charactersMissingFromFont } from './font-coverage.ts';

export const MAX_TEXT_LENGTH = 32;

/** The productConfig fields that hold asset IDs. */
export const ASSET_ID_FIELDS = [
  'cardBackgroundCombinedAssetId',
  'cardBackgroundAssetId',
  'brandLogoAssetId',
  'issuerLogoAssetId',
  'coBrandLogoAssetId',
  'iconAssetId',
] as const;

/** null counts as absent: JSON producers often send null for fields they do not have. */
const absentIfNull = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === null ? undefined : value), schema.optional());

const assetId = absentIfNull(z.string().regex(ASSET_ID_PATTERN));

const foregroundColor = absentIfNull(
  z
    .string()
    .regex(/^#?[0-9a-fA-F]{6}$/)
    .transform((value) => value.replace('#', '').toLowerCase()),
);

/** MDES sends a boolean; query strings and some gateways send "true"/"false". */
const isCoBranded = absentIfNull(
  z.union([z.boolean(), z.enum(['true', 'false', 'TRUE', 'FALSE', 'True', 'False']).transform((v) => v.toLowerCase() === 'true')]),
);

const productConfigSchema = z.object({
  cardBackgroundCombinedAssetId: assetId,
  cardBackgroundAssetId: assetId,
  brandLogoAssetId: assetId,
  issuerLogoAssetId: assetId,
  coBrandLogoAssetId: assetId,
  iconAssetId: assetId,
  foregroundColor,
  isCoBranded,
});

/**
 * Validates and normalizes a productConfig: asset IDs checked, colour as 6 lowercase hex digits, isCoBranded
 * as a boolean, unknown fields dropped (a real productConfig carries more than card-art reads).
 */
export function parseProductConfig(input: unknown): ProductConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new CardArtError('INVALID_PRODUCT_CONFIG', 'productConfig must be a JSON object');
  }
  const parsed = productConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'productConfig');
    throw fieldError(field);
  }
  const config: ProductConfig = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    if (value !== undefined) (config as Record<string, unknown>)[key] = value;
  }
  if (!config.cardBackgroundAssetId && !config.cardBackgroundCombinedAssetId) {
    throw new CardArtError('MISSING_BACKGROUND', 'productConfig needs cardBackgroundAssetId or cardBackgroundCombinedAssetId');
  }
  return config;
}

/** Optional card text (e.g. "•••• 1234"): at most 32 printable characters the card font has; empty means none. */
export function parseCardText(text: unknown): string | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  if (typeof text !== 'string') throw new CardArtError('INVALID_TEXT', 'text must be a string');
  if ([...text].length > MAX_TEXT_LENGTH) {
    throw new CardArtError('INVALID_TEXT', `text must be at most ${MAX_TEXT_LENGTH} characters`);
  }
  // Letters, marks, numbers, punctuation, symbols and plain spaces only: no control, format or separator oddities.
  if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u.test(text)) {
    throw new CardArtError('INVALID_TEXT', 'text may contain only printable characters');
  }
  // Only glyphs of the shipped font, so no machine ever falls back to a system font of its own.
  const missing = charactersMissingFromFont(text);
  if (missing.length > 0) {
    throw new CardArtError('INVALID_TEXT', `the card font has no glyph for ${missing.map((c) => JSON.stringify(c)).join(', ')}`);
  }
  return text;
}

function fieldError(field: string): CardArtError {
  if ((ASSET_ID_FIELDS as readonly string[]).includes(field)) {
    return new CardArtError('INVALID_ASSET_ID', `${field} must match ${ASSET_ID_PATTERN.source}`);
  }
  if (field === 'foregroundColor') {
    return new CardArtError('INVALID_FOREGROUND_COLOR', 'foregroundColor must be 6 hex digits, e.g. 000000 or c00f00');
  }
  if (field === 'isCoBranded') {
    return new CardArtError('INVALID_PRODUCT_CONFIG', 'isCoBranded must be true or false');
  }
  return new CardArtError('INVALID_PRODUCT_CONFIG', `invalid productConfig field ${field}`);
}
