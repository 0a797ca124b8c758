/**
 * One schema per contract for the token endpoints and the Notify Token Updated receiver: the routes
 * parse with these, the types come from them, and an OpenAPI document can be generated from them.
 */
import { z } from 'zod';
import { coded } from '../../core/schema-errors.ts';
import { ALLOWED_WIDTHS } from '../../core/card-render-types.ts';
import { MAX_ENCRYPTED_DATA_CHARS, OAEP_DIGESTS } from '../../upstream/field-level-encryption.ts';
import { OUTPUT_FORMATS } from './schemas.ts';

/** Tokens one Notify Token Updated call may carry; more is refused as malformed (MDES batches far fewer). */
export const MAX_NTU_TOKENS = 100;
/** 100 tokens of ~1 KB JSON each, hex-encoded after encryption, is ~250 KB; 1 MB leaves room and bounds the parser. */
export const NTU_BODY_LIMIT_BYTES = 1024 * 1024;

export const TOKEN_STATUSES = ['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED'] as const;
export const tokenStatusSchema = z.enum(TOKEN_STATUSES);
export type TokenStatus = z.infer<typeof tokenStatusSchema>;

/** MDES: at most 64 characters; letters, digits, `-` and `_` are all it uses. */
export const tokenUniqueReferenceSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** Eleven digits (MDES Token Requestor ID). */
export const tokenRequestorIdSchema = z.string().regex(/^\d{11}$/);
/** Last four digits, never more: a full card or token number is refused, not truncated. */
export const panSuffixSchema = z.string().regex(/^\d{4}$/);
/** ISO 8601 with `Z` or an offset, as MDES writes it (`YYYY-MM-DDThh:mm:ss[.sss]Z` / `±hh:mm`). */
export const statusTimestampSchema = z.iso.datetime({ offset: true });

/** The card-art-relevant part of a productConfig, checked again by parseProductConfig (asset IDs, colour). */
export const productConfigInputSchema = z.record(z.string(), z.unknown());

/** `tokenInfo` as MDES sends it; only the suffixes are kept (expiry and the rest are dropped at the edge). */
export const tokenInfoSchema = z.object({
  accountPanSuffix: panSuffixSchema.optional(),
  tokenPanSuffix: panSuffixSchema.optional(),
});

/** One token of a decrypted Notify Token Updated payload. */
export const ntuTokenSchema = z.object({
  tokenUniqueReference: tokenUniqueReferenceSchema,
  tokenRequestorId: tokenRequestorIdSchema.optional(),
  status: tokenStatusSchema,
  eventReasonCode: z.string().max(32).optional(),
  statusTimestamp: statusTimestampSchema.optional(),
  productConfig: productConfigInputSchema.optional(),
  tokenInfo: tokenInfoSchema.optional(),
});
export type NtuToken = z.infer<typeof ntuTokenSchema>;

/** The decrypted `encryptedPayload` of Notify Token Updated. */
export const ntuPayloadSchema = z.object({ tokens: z.array(ntuTokenSchema).min(1).max(MAX_NTU_TOKENS) });

/**
 * The encrypted payload of Notify Token Updated, checked before any RSA work. `publicKeyFingerprint` is required (MDES
 * always names the key; at most 64 hex digits). encryptedData is not matched with a pattern here: scanning up to 1 MB
 * would cost the main thread for every notification, genuine or not; the decrypter proves it hex when it decodes it,
 * which happens only once the wrapped key has opened.
 */
export const ntuEncryptedPayloadSchema = z.object({
  encryptedData: z.string().min(32).max(MAX_ENCRYPTED_DATA_CHARS).meta({ description: 'AES-CBC ciphertext, hex' }),
  iv: z.string().regex(/^[0-9a-fA-F]{32}$/),
  encryptedKey: z.string().regex(/^[0-9a-fA-F]{64,2048}$/).meta({ description: 'The AES key wrapped with RSA-OAEP, hex' }),
  publicKeyFingerprint: z.string().regex(/^[0-9a-fA-F]{1,64}$/).meta({ description: "SHA-256 hex of the certificate's DER or of the public key's DER" }),
  oaepHashingAlgorithm: z.enum(OAEP_DIGESTS).optional(),
});

/** `POST /digitization/[static/]1/0/notifyTokenUpdated` body. */
export const ntuRequestSchema = z.object({
  requestId: z.string().regex(/^[\w.:-]{1,64}$/),
  responseHost: z.string().max(255).optional(),
  encryptedPayload: ntuEncryptedPayloadSchema,
});

/** Its `200` answer. */
export const ntuAckSchema = z.object({ responseHost: z.string(), responseId: z.string() });

/** MDES's error shape, which its client expects from the receiver (400 = do not retry; 503 = retry). */
export const mdesErrorAnswerSchema = z
  .object({
  errorCode: z.string(),
  errorDescription: z.string(),
  responseHost: z.string(),
  responseId: z.string(),
  errors: z.array(
    z.object({ source: z.string(), errorCode: z.string(), description: z.string(), reasonCode: z.string(), recoverable: z.boolean() }),
  ),
  })
  .meta({ id: 'MdesError', description: "MDES's error shape: 4xx means do not retry, 503 (with Retry-After) retry" });

/** `POST /v1/tokens`: a token from a Tokenize or Get Token response the gateway already has. */
export const postTokenBodySchema = z.object({
  tokenUniqueReference: tokenUniqueReferenceSchema,
  status: tokenStatusSchema,
  productConfig: productConfigInputSchema,
  tokenInfo: tokenInfoSchema.optional(),
  tokenRequestorId: tokenRequestorIdSchema.optional(),
  /** Absent: the update cannot replace a record that has one (at most 5 minutes ahead of the server's clock). */
  statusTimestamp: statusTimestampSchema.optional(),
});
export type PostTokenBody = z.infer<typeof postTokenBodySchema>;

export const tokenPathParamsSchema = z.object({ tokenUniqueReference: tokenUniqueReferenceSchema });

/** `GET /v1/tokens/{tokenUniqueReference}/card-art` query (the rest of /v1/card-art comes from the record). */
export const tokenCardArtQuerySchema = z.object({
  width: z.enum(ALLOWED_WIDTHS.map(String) as [string, ...string[]], coded('INVALID_WIDTH')).optional(),
  format: z.enum(OUTPUT_FORMATS, coded('INVALID_FORMAT', () => `format must be one of ${OUTPUT_FORMATS.join(', ')}`)).optional(),
});

/** The stored record of a token (no card number: four digits at most). */
export const tokenRecordSchema = z.object({
  tokenUniqueReference: tokenUniqueReferenceSchema,
  status: tokenStatusSchema,
  productConfig: z.record(z.string(), z.union([z.string(), z.boolean()])).optional(),
  accountPanSuffix: panSuffixSchema.optional(),
  tokenPanSuffix: panSuffixSchema.optional(),
  /** The statusTimestamp of the update the record was built from; absent when that update had none. */
  statusTimestamp: statusTimestampSchema.optional(),
  tokenRequestorId: tokenRequestorIdSchema.optional(),
  updatedAt: z.iso.datetime(),
});
export type TokenRecord = z.infer<typeof tokenRecordSchema>;

/** `GET /v1/tokens/{tokenUniqueReference}` and `POST /v1/tokens` answer. */
export const tokenAnswerSchema = tokenRecordSchema.extend({
  /** The immutable `/v1/card-art` URL of the current art (with `text=•••• NNNN`); null without a productConfig. */
  cardArtUrl: z.string().nullable(),
  /** POST only: false when the stored record has a newer statusTimestamp and was kept. */
  applied: z.boolean().optional(),
});
