/**
 * The zod schemas of the HTTP contract: each request part (query, path, body) and each JSON answer. Routes parse
 * with them (parse-request.ts), handlers get their `z.output` types, and /openapi.json is generated from them.
 */
import { z } from 'zod';
import { ACCOUNT_RANGE_PATTERN, MAX_ACCOUNT_RANGES } from '../../upstream/validate-input.ts';
import { ALLOWED_WIDTHS, CARD_WIDTH } from '../../core/card-render-types.ts';
import { assetIdSchema, cardTextSchema, productConfigFields, productConfigSchema } from '../../core/product-config.ts';
import { coded } from '../../core/schema-errors.ts';
import type { ProductConfig } from '../../core/asset-media.ts';
import { ERROR_CODES } from '../../errors.ts';
import { DEFAULT_REQUESTOR_LOGO_SIZE, REQUESTOR_LOGO_SIZES } from '../requestor-logos.ts';

export { assetIdSchema, productConfigSchema };

/** What one Notify Token Updated call can bring, with room to spare. */
export const MAX_PRODUCT_CONFIGS = 100;
export const OUTPUT_FORMATS = ['png', 'webp', 'avif'] as const;

export const widthSchema = z
  .literal(ALLOWED_WIDTHS, coded('INVALID_WIDTH'))
  .meta({ description: 'Output width in pixels; the height keeps the aspect ratio', examples: [768] });

export const formatSchema = z
  .enum(OUTPUT_FORMATS, coded('INVALID_FORMAT', () => `format must be one of ${OUTPUT_FORMATS.join(', ')}`))
  .meta({ description: 'Else negotiated from Accept (avif > webp > png, only when listed); default png', examples: ['webp'] });

const cardOptions = {
  text: cardTextSchema.optional(),
  width: widthSchema.default(CARD_WIDTH),
  format: formatSchema.optional(),
};

function hasBackground(fields: { cardBackgroundAssetId?: string; cardBackgroundCombinedAssetId?: string }): boolean {
  return fields.cardBackgroundAssetId !== undefined || fields.cardBackgroundCombinedAssetId !== undefined;
}

/** GET /v1/card-art: the productConfig fields as query parameters (same names), plus text, width and format. */
export const cardArtQuerySchema = z
  .object({ ...productConfigFields, ...cardOptions })
  .refine(hasBackground, coded('MISSING_BACKGROUND'))
  .transform(({ text, width, format, ...fields }) => ({
    productConfig: Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as ProductConfig,
    text,
    width,
    format,
  }));

/** POST /v1/card-art: the same productConfig schema as a JSON object. */
export const cardArtBodySchema = z
  .object({ productConfig: productConfigSchema, ...cardOptions }, coded('INVALID_REQUEST', () => 'The body must be a JSON object {"productConfig":{…},"text"?,"width"?,"format"?}'))
  .meta({
    id: 'CardArtRequest',
    examples: [{ productConfig: { cardBackgroundCombinedAssetId: 'combined-card', foregroundColor: '000000' }, text: '•••• 1234', width: 768, format: 'webp' }],
  });

export const assetPathSchema = z.object({ assetId: assetIdSchema });

export const assetQuerySchema = z.object({ width: widthSchema.optional(), format: formatSchema.optional() });

export const tokenRequestorsQuerySchema = z.object({
  accountRanges: z
    .array(
      z.string(coded('INVALID_ACCOUNT_RANGES')).regex(ACCOUNT_RANGE_PATTERN, coded('INVALID_ACCOUNT_RANGES', () => 'each account range must be a string of 9 to 19 digits')),
      coded('INVALID_ACCOUNT_RANGES'),
    )
    .min(1, coded('INVALID_ACCOUNT_RANGES'))
    .max(MAX_ACCOUNT_RANGES, coded('INVALID_ACCOUNT_RANGES'))
    .meta({ description: `1–${MAX_ACCOUNT_RANGES} account ranges of 9–19 digits, comma separated`, examples: [['522222000', '510000000']] }),
});

export const requestorAssetQuerySchema = z.object({
  format: z
    .enum(['png', 'svg'], coded('INVALID_FORMAT', () => 'format must be png or svg'))
    .default('png')
    .meta({ description: 'svg is served only when it passes the safety check, with a restrictive CSP' }),
  size: z
    .literal(REQUESTOR_LOGO_SIZES, coded('INVALID_SIZE', () => `size must be one of ${REQUESTOR_LOGO_SIZES.join(', ')}`))
    .default(DEFAULT_REQUESTOR_LOGO_SIZE)
    .meta({ description: 'PNG only: the logo fits size × size' }),
});

/** POST /v1/product-configs: one productConfig or a list (what Notify Token Updated brings). */
export const productConfigsBodySchema = z
  .union(
    [productConfigSchema, z.array(productConfigSchema).min(1).max(MAX_PRODUCT_CONFIGS)],
    coded('INVALID_REQUEST', () => `send one productConfig or an array of 1 to ${MAX_PRODUCT_CONFIGS}`),
  )
  .meta({ id: 'ProductConfigs' });

// --- Answers ---

export const errorCodeSchema = z.enum(ERROR_CODES);

export const errorBodySchema = z
  .object({ error: z.object({ code: errorCodeSchema, message: z.string() }) })
  .meta({ id: 'Error', description: 'Every 4xx/5xx answer; 429 and 503 carry Retry-After' });

const pushMethodSchema = z.looseObject({ type: z.string(), uri: z.string() });

export const tokenRequestorSchema = z
  .looseObject({
    tokenRequestorId: z.string(),
    name: z.string(),
    consumerFacingEntityName: z.string().optional(),
    imageAssetId: z.string(),
    tokenRequestorType: z.string().meta({ examples: ['WALLET', 'MERCHANT'] }),
    enabledAccountRanges: z.array(z.string()).optional(),
    supportedPushMethods: z.array(z.string()).optional(),
    availablePushMethods: z.array(pushMethodSchema).optional(),
    logoUrl: z.string().meta({ description: '/v1/token-requestor-assets/{imageAssetId}' }),
  })
  .meta({ id: 'TokenRequestor', description: 'A Token Connect requestor as MDES sends it, plus logoUrl' });

export const tokenRequestorListSchema = z
  .object({ fetchedAt: z.iso.datetime(), tokenRequestors: z.array(tokenRequestorSchema) })
  .meta({ id: 'TokenRequestorList' });

export const prewarmResultSchema = z
  .object({ queued: z.array(assetIdSchema), alreadyCached: z.array(assetIdSchema) })
  .meta({ id: 'PrewarmResult', description: 'Asset IDs queued for a background fetch, and those already cached' });

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

const checkSchema = z.object({ status: z.enum(['ok', 'degraded']), error: z.string().optional().meta({ description: 'An error code, never a message' }) });

export const readinessSchema = z
  .object({
    status: z.enum(['ready', 'draining', 'unavailable']),
    checks: z.object({ upstream: checkSchema, cache: checkSchema, renderer: checkSchema, colour: checkSchema.optional() }),
  })
  .meta({
    id: 'Readiness',
    description:
      "MDES, the cache store and the rasterizer's colour management (`colour`, its start-up self-check) are reported (degraded), never fail readiness; draining or a dead renderer does",
  });
