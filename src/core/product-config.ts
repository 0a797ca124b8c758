/**
 * The productConfig and card text schemas: one definition the HTTP edge (GET query and POST body alike), the
 * CLI and the generated OpenAPI document share. Nothing unchecked reaches sharp.
 */
import { z } from 'zod';
import { ASSET_ID_PATTERN } from './asset-id.ts';
import type { ProductConfig } from './asset-media.ts';
import { charactersMissingFromFont } from './font-coverage.ts';
import { coded, parseOrThrow } from './schema-errors.ts';

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

/** One MDES asset ID (path parameters and productConfig fields). */
export const assetIdSchema = z
  .string(coded('INVALID_ASSET_ID'))
  .regex(ASSET_ID_PATTERN, coded('INVALID_ASSET_ID'))
  .meta({ description: 'An MDES asset ID', examples: ['739d27e5-629d-11e3-949a-0800200c9a66'] });

/** null counts as absent: JSON producers often send null for fields they do not have. */
const absentIfNull = <T extends z.ZodType>(schema: T, code: Parameters<typeof coded>[0]) =>
  z
    .union([schema, z.null()], coded(code))
    .transform((value) => (value === null ? undefined : value))
    .optional();

const colourSchema = z
  .string(coded('INVALID_FOREGROUND_COLOR'))
  .regex(/^[0-9a-fA-F]{6}$/, coded('INVALID_FOREGROUND_COLOR'))
  .transform((value) => value.toLowerCase())
  .meta({ description: '6 hex digits, case-insensitive, no "#"', examples: ['ffffff', 'c00f00'] });

/** MDES sends a boolean; query strings carry "true"/"false". */
const isCoBrandedSchema = z
  .union([z.boolean(), z.enum(['true', 'false'])], coded('INVALID_PRODUCT_CONFIG', () => 'isCoBranded must be true or false'))
  .transform((value) => value === true || value === 'true')
  .meta({ description: 'The co-brand logo is drawn unless this is false', examples: [true] });

const assetField = (description: string) => absentIfNull(assetIdSchema, 'INVALID_ASSET_ID').meta({ description });

/** The productConfig fields card-art reads; other fields of a real productConfig are accepted and dropped. */
export const productConfigFields = {
  cardBackgroundCombinedAssetId: assetField('Finished card image (background and logos); wins over the component IDs'),
  cardBackgroundAssetId: assetField('Background only, no logos'),
  brandLogoAssetId: assetField('Mastercard / Maestro mark'),
  issuerLogoAssetId: assetField("Issuing bank's logo"),
  coBrandLogoAssetId: assetField('Co-brand logo, drawn unless isCoBranded is false'),
  iconAssetId: assetField('100×100 PNG icon (pre-warmed, not drawn)'),
  foregroundColor: absentIfNull(colourSchema, 'INVALID_FOREGROUND_COLOR').meta({ description: 'Text colour: 6 hex digits, no "#"' }),
  isCoBranded: absentIfNull(isCoBrandedSchema, 'INVALID_PRODUCT_CONFIG').meta({ description: 'false: the co-brand logo is not drawn' }),
};

const hasBackground = (config: { cardBackgroundAssetId?: string; cardBackgroundCombinedAssetId?: string }) =>
  config.cardBackgroundAssetId !== undefined || config.cardBackgroundCombinedAssetId !== undefined;

/** A productConfig as MDES sends it: asset IDs checked, a background required, unknown fields dropped. */
export const productConfigSchema = z
  .object(productConfigFields, {
    // Missing altogether is a malformed request; present but not an object is a bad productConfig.
    error: (issue) => (issue.input === undefined ? 'INVALID_REQUEST: productConfig is required' : 'INVALID_PRODUCT_CONFIG: productConfig must be a JSON object'),
  })
  .refine(hasBackground, coded('MISSING_BACKGROUND'))
  .transform((config): ProductConfig => Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)))
  .meta({
    id: 'ProductConfig',
    description: 'The productConfig fields card-art reads (MDES names); cardBackgroundAssetId or cardBackgroundCombinedAssetId is required',
    anyOf: [{ required: ['cardBackgroundAssetId'] }, { required: ['cardBackgroundCombinedAssetId'] }],
    examples: [{ cardBackgroundAssetId: '739d27e5-629d-11e3-949a-0800200c9a66', issuerLogoAssetId: 'issuer-bank', foregroundColor: 'ffffff' }],
  });

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/** Optional card text (e.g. "•••• 1234"): at most 32 printable characters the card font has; empty means none. */
export const cardTextSchema = z
  .string(coded('INVALID_TEXT', () => 'text must be a string'))
  .max(MAX_TEXT_LENGTH, coded('INVALID_TEXT', () => `text must be at most ${MAX_TEXT_LENGTH} characters`))
  // Letters, marks, numbers, punctuation, symbols and plain spaces only: no control, format or separator oddities.
  .regex(PRINTABLE, coded('INVALID_TEXT', () => 'text may contain only printable characters'))
  // Only glyphs of the shipped font, so no machine ever falls back to a system font of its own.
  .refine(
    (text) => charactersMissingFromFont(text).length === 0,
    coded('INVALID_TEXT', (text) => `the card font has no glyph for ${charactersMissingFromFont(String(text)).map((c) => JSON.stringify(c)).join(', ')}`),
  )
  .transform((text) => (text === '' ? undefined : text))
  .meta({ description: 'Printable text drawn in the text area', examples: ['•••• 1234'] });

/** Validates and normalizes a productConfig (colour lowercase, isCoBranded boolean, unknown fields dropped). */
export function parseProductConfig(input: unknown): ProductConfig {
  return parseOrThrow(productConfigSchema, input, 'INVALID_PRODUCT_CONFIG');
}

/** Optional card text; undefined, null and '' mean none. */
export function parseCardText(text: unknown): string | undefined {
  if (text === undefined || text === null) return undefined;
  return parseOrThrow(cardTextSchema, text, 'INVALID_TEXT');
}
