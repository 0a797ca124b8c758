/**
 * The contract of the push and pull provisioning endpoints (MDES Token Connect, issuer side): one zod schema per
 * query, body and answer. Routes parse with them, types come from them, and the OpenAPI document can be
 * generated from them. A rule's error code is the schema issue's message when it is a SCREAMING_CODE.
 */
import { z } from 'zod';
import { ACCOUNT_NUMBER_PATTERN, isCardExpired, isLuhnValid } from '../../core/card-number.ts';
import { accountHolderDataSchema, MAX_PUSHED_ACCOUNTS, PUSH_ACCOUNT_RECEIPT_PATTERN } from '../../upstream/push-multiple-accounts.ts';

export const PUSH_METHODS = ['WEB', 'ANDROID', 'IOS'] as const;
export const PUSH_RESULT_STATUSES = [
  'APPROVED',
  'REQUIRE_ADDITIONAL_AUTHENTICATION',
  'DECLINED',
  'CANCELLED',
  'ERROR',
  'DUPLICATE_REQUEST',
  'AUTHENTICATED',
  'DELETED',
] as const;
/** Two-letter ISO 639-1 language, underscore, two-letter ISO 3166-1 country: `en_US`. */
export const LOCALE_PATTERN = /^[a-z]{2}_[A-Z]{2}$/;
export const TOKEN_REQUESTOR_ID_PATTERN = /^\d{11}$/;
/** Token Connect's limit for `callbackURL`. */
export const MAX_CALLBACK_URL_LENGTH = 256;
/** tokenRequestorSessionId / sessionId: 3–64 printable characters (Token Connect's bounds). */
export const SESSION_ID_PATTERN = /^[\x21-\x7e]{3,64}$/;
/** tokenUniqueReference as MDES issues them (e.g. `DWSPMC…`), up to 64 characters. */
export const TOKEN_UNIQUE_REFERENCE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const tokenRequestorId = z.string().regex(TOKEN_REQUESTOR_ID_PATTERN, { error: 'UNKNOWN_TOKEN_REQUESTOR' }).describe('11 digits');
const locale = z.string().regex(LOCALE_PATTERN, { error: 'INVALID_LOCALE' }).describe('ll_CC, e.g. en_US');

export const pushAccountSchema = z
  .object({
    accountNumber: z
      .string({ error: 'INVALID_ACCOUNT_NUMBER' })
      .regex(ACCOUNT_NUMBER_PATTERN, { error: 'INVALID_ACCOUNT_NUMBER' })
      .refine(isLuhnValid, { error: 'INVALID_ACCOUNT_NUMBER' })
      .describe('9–19 digits passing the Luhn check; never stored, logged or echoed'),
    expiryMonth: z.string().regex(/^(0[1-9]|1[0-2])$/).describe('MM'),
    expiryYear: z.string().regex(/^\d{2}$/).describe('YY'),
    accountHolderData: accountHolderDataSchema.optional().describe('sent only as far as the requestor supports it'),
  })
  .strict()
  .refine((account) => !isCardExpired(account.expiryMonth, account.expiryYear), { error: 'CARD_EXPIRED' });
export type PushAccount = z.infer<typeof pushAccountSchema>;

export const pushProvisioningRequestSchema = z
  .object({
    tokenRequestorId,
    pushMethod: z.enum(PUSH_METHODS, { error: 'PUSH_METHOD_UNAVAILABLE' }),
    accounts: z.array(pushAccountSchema).min(1).max(MAX_PUSHED_ACCOUNTS, { error: 'TOO_MANY_ACCOUNTS' }),
    callbackURL: z
      .string({ error: 'INVALID_CALLBACK_URL' })
      .max(MAX_CALLBACK_URL_LENGTH, { error: 'INVALID_CALLBACK_URL' })
      .describe('absolute https: URL or an app scheme, ≤ 256 characters'),
    locale,
    completeIssuerAppActivation: z.boolean().optional(),
    completeWebsiteActivation: z.boolean().optional(),
    tokenRequestorSessionId: z.string().regex(SESSION_ID_PATTERN).optional().describe('pull provisioning: the requestor sessionId'),
    extFlow: z.boolean().optional().describe('adds extFlow=true to the redirect (Click to Pay)'),
  })
  .strict();
export type PushProvisioningRequest = z.infer<typeof pushProvisioningRequestSchema>;

const accountPanSuffix = z.string().regex(/^\d{4}$/).describe('last four digits of the card number');
export const ineligibleAccountSchema = z.object({
  pushAccountId: z.string(),
  accountPanSuffix,
  reasonCode: z.string(),
  description: z.string(),
});

export const pushProvisioningResponseSchema = z.object({
  redirectUrl: z.string().describe('send the cardholder here'),
  signed: z.boolean(),
  pushed: z.array(z.object({ pushAccountId: z.string(), accountPanSuffix, pushAccountReceipt: z.string() })),
  ineligible: z.array(ineligibleAccountSchema),
  expiresAt: z.string().describe('ISO 8601: when the receipts stop being valid'),
});
export type PushProvisioningResponse = z.infer<typeof pushProvisioningResponseSchema>;

/** 422: `{"error":{"code":"NO_ELIGIBLE_ACCOUNTS","message","ineligible":[…]}}`. */
export const noEligibleAccountsErrorSchema = z.object({
  error: z.object({ code: z.literal('NO_ELIGIBLE_ACCOUNTS'), message: z.string(), ineligible: z.array(ineligibleAccountSchema) }),
});

/** `results[<receipt>]=<STATUS>|<tokenUniqueReference>` pairs, as the requestor appended them to callbackURL. */
export const pushResultEntrySchema = z.object({
  pushAccountReceipt: z.string().regex(PUSH_ACCOUNT_RECEIPT_PATTERN),
  status: z.enum(PUSH_RESULT_STATUSES),
  tokenUniqueReference: z.string().regex(TOKEN_UNIQUE_REFERENCE_PATTERN).optional(),
  accountPanSuffix: accountPanSuffix.optional(),
  tokenRequestorId: z.string().optional(),
});
export const pushResultsResponseSchema = z.object({ results: z.array(pushResultEntrySchema) });
export type PushResultEntry = z.infer<typeof pushResultEntrySchema>;

export const pullProvisioningQuerySchema = z.object({
  trid: z.string({ error: 'INVALID_REQUEST' }).regex(TOKEN_REQUESTOR_ID_PATTERN, { error: 'INVALID_REQUEST' }),
  sessionId: z.string({ error: 'INVALID_REQUEST' }).regex(SESSION_ID_PATTERN, { error: 'INVALID_REQUEST' }),
  locale: z.string({ error: 'INVALID_LOCALE' }).regex(LOCALE_PATTERN, { error: 'INVALID_LOCALE' }),
  userInterface: z.enum(PUSH_METHODS, { error: 'INVALID_REQUEST' }),
});
export const pullProvisioningResponseSchema = z.object({
  tokenRequestor: z.object({
    tokenRequestorId: z.string(),
    consumerFacingEntityName: z.string(),
    tokenRequestorType: z.string(),
    logoUrl: z.string(),
  }),
  sessionId: z.string(),
  locale: z.string(),
  userInterface: z.enum(PUSH_METHODS),
});

export const pullReturnUrlQuerySchema = z
  .object({
    trid: z.string({ error: 'INVALID_REQUEST' }).regex(TOKEN_REQUESTOR_ID_PATTERN, { error: 'INVALID_REQUEST' }),
    sessionId: z.string({ error: 'INVALID_REQUEST' }).regex(SESSION_ID_PATTERN, { error: 'INVALID_REQUEST' }),
    userInterface: z.enum(PUSH_METHODS, { error: 'INVALID_REQUEST' }),
    status: z.enum(['CANCELLED', 'ERROR'], { error: 'INVALID_REQUEST' }),
    errDescription: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, { error: 'INVALID_REQUEST' }).optional().describe('with ERROR, e.g. AUTH_FAILED'),
  })
  .refine((query) => query.status !== 'ERROR' || query.errDescription !== undefined, { error: 'INVALID_REQUEST' });
export const pullReturnUrlResponseSchema = z.object({ redirectUrl: z.string() });

/** The rules of a push request that have their own codes, checked before MDES is called. */
export const PUSH_RULE_CODES = [
  'INVALID_ACCOUNT_NUMBER',
  'CARD_EXPIRED',
  'TOO_MANY_ACCOUNTS',
  'PUSH_METHOD_UNAVAILABLE',
  'INVALID_CALLBACK_URL',
  'INVALID_LOCALE',
  'UNKNOWN_TOKEN_REQUESTOR',
] as const;

/** Every error code of its own these endpoints answer with (the rules, then what the flow itself can refuse). */
export const PROVISIONING_ERROR_CODES = [...PUSH_RULE_CODES, 'NO_ELIGIBLE_ACCOUNTS', 'INVALID_RESULTS', 'NOT_CONFIGURED'] as const;
