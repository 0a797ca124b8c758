import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CardArtError } from '../errors.ts';
import type { PushAccountsTransport } from './asset-source.ts';
import type { PayloadEncrypter } from './field-level-encryption.ts';

/** MDES pushes at most 5 accounts per pushMultipleAccounts request. */
export const MAX_PUSHED_ACCOUNTS = 5;
/** Receipts live 15 minutes: the longest validity MDES allows (and its default). */
export const PUSH_RECEIPT_VALIDITY_MINUTES = 15;
/** Opaque receipts as MDES issues them (prefix-UUID, at most 64 characters): safe in URLs and cache keys. */
export const PUSH_ACCOUNT_RECEIPT_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;

/** Holder data elements a requestor may list in `supportedAccountHolderData`, and the field each one allows. */
export const ACCOUNT_HOLDER_DATA_FIELDS = {
  NAME: 'accountHolderName',
  ADDRESS: 'accountHolderAddress',
  EMAIL_ADDRESS: 'accountHolderEmailAddress',
  MOBILE_PHONE_NUMBER: 'accountHolderMobilePhoneNumber',
} as const;

export const accountHolderDataSchema = z
  .object({
    accountHolderName: z.string().min(1).max(27).optional(),
    accountHolderAddress: z
      .object({
        line1: z.string().min(1).max(64).optional(),
        line2: z.string().min(1).max(64).optional(),
        city: z.string().min(1).max(32).optional(),
        countrySubdivision: z.string().min(1).max(12).optional(),
        postalCode: z.string().min(1).max(16).optional(),
        country: z.string().regex(/^[A-Z]{3}$/).optional(),
      })
      .strict()
      .optional(),
    accountHolderEmailAddress: z.string().min(6).max(320).optional(),
    accountHolderMobilePhoneNumber: z
      .object({ countryDialInCode: z.string().regex(/^\d{1,4}$/), phoneNumber: z.string().regex(/^\d{1,20}$/) })
      .strict()
      .optional(),
  })
  .strict();
export type AccountHolderData = z.infer<typeof accountHolderDataSchema>;

export interface PushAccountInput {
  accountNumber: string;
  /** Two digits. */
  expiryMonth: string;
  /** Two digits. */
  expiryYear: string;
  accountHolderData?: AccountHolderData;
}

export interface PushSignatureData {
  callbackURL: string;
  completeIssuerAppActivation: boolean;
  completeWebsiteActivation: boolean;
  locale: string;
  tokenRequestorSessionId?: string;
}

export interface PushMultipleAccountsInput {
  tokenRequestorId: string;
  accounts: PushAccountInput[];
  signatureData: PushSignatureData;
  /** The requestor's `supportedAccountHolderData`: only these elements are sent. */
  supportedAccountHolderData: readonly string[];
}

const mdesErrorSchema = z
  .object({
    source: z.string().max(64).optional(),
    reasonCode: z.string().max(100).optional(),
    errorCode: z.string().max(100).optional(),
    description: z.string().max(512).optional(),
    recoverable: z.boolean().optional(),
  })
  .loose();

/** The pushMultipleAccounts answer, as far as the service relies on it; anything else is UPSTREAM_BODY_INVALID. */
export const pushMultipleAccountsResponseSchema = z
  .object({
    responseId: z.string().max(64).optional(),
    pushAccountReceipts: z
      .array(
        z
          .object({
            pushAccountId: z.string().min(1).max(36),
            pushAccountReceipt: z.string().regex(PUSH_ACCOUNT_RECEIPT_PATTERN).optional(),
            errors: z.array(mdesErrorSchema).max(20).optional(),
          })
          .loose(),
      )
      .max(MAX_PUSHED_ACCOUNTS)
      .optional(),
    availablePushMethods: z.array(z.object({ type: z.string().max(32), uri: z.string().max(512) }).loose()).max(20).optional(),
    tokenRequestorSignatureSupport: z.boolean().optional(),
    signature: z.string().max(16_384).regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/).optional(),
    errors: z.array(mdesErrorSchema).max(20).optional(),
  })
  .loose();
export type PushMultipleAccountsResponse = z.infer<typeof pushMultipleAccountsResponseSchema>;

export interface PushedAccountOutcome {
  pushAccountId: string;
  /** Last four digits: the only part of the card number that leaves the push. */
  accountPanSuffix: string;
  pushAccountReceipt?: string;
  reasonCode?: string;
  description?: string;
}

export interface PushMultipleAccountsResult {
  accounts: PushedAccountOutcome[];
  signature: string | undefined;
  tokenRequestorSignatureSupport: boolean;
  availablePushMethods: Array<{ type: string; uri: string }>;
  /** Whether any holder data was sent (`signatureData.accountHolderDataSupplied`). */
  accountHolderDataSupplied: boolean;
  responseId: string | undefined;
}

export interface PushAccountsClient {
  push(input: PushMultipleAccountsInput, signal?: AbortSignal): Promise<PushMultipleAccountsResult>;
}

/** `CA-` + 32 hex digits: unique per account per request, as MDES expects for cards (≤ 36 characters). */
export function newPushAccountId(): string {
  return `CA-${randomBytes(16).toString('hex')}`;
}

/** Only the holder data elements the requestor supports; undefined when none is left. */
export function supportedHolderData(data: AccountHolderData | undefined, supported: readonly string[]): AccountHolderData | undefined {
  if (!data) return undefined;
  const kept: Record<string, unknown> = {};
  for (const [element, field] of Object.entries(ACCOUNT_HOLDER_DATA_FIELDS)) {
    if (supported.includes(element) && data[field] !== undefined) kept[field] = data[field];
  }
  return Object.keys(kept).length > 0 ? (kept as AccountHolderData) : undefined;
}

/**
 * pushMultipleAccounts: encrypts the funding accounts for Mastercard (field-level encryption), sends them through
 * the MDES HTTP client and maps the answer per account. Card numbers exist only inside the encrypted payload.
 */
export function createPushAccountsClient(opts: { transport: PushAccountsTransport; encrypter: PayloadEncrypter }): PushAccountsClient {
  return {
    async push(input, signal) {
      if (input.accounts.length < 1 || input.accounts.length > MAX_PUSHED_ACCOUNTS) {
        throw new CardArtError('TOO_MANY_ACCOUNTS', `Push 1 to ${MAX_PUSHED_ACCOUNTS} accounts at a time`);
      }
      const entries = input.accounts.map((account) => {
        const holder = supportedHolderData(account.accountHolderData, input.supportedAccountHolderData);
        return {
          pushAccountId: newPushAccountId(),
          suffix: account.accountNumber.slice(-4),
          fundingAccountData: {
            cardAccountData: {
              accountNumber: account.accountNumber,
              expiryMonth: account.expiryMonth,
              expiryYear: account.expiryYear,
            },
            ...(holder ? { accountHolderData: holder } : {}),
          },
        };
      });
      const accountHolderDataSupplied = entries.some((entry) => 'accountHolderData' in entry.fundingAccountData);
      const encryptedPayload = opts.encrypter.encrypt(
        entries.map(({ pushAccountId, fundingAccountData }) => ({ pushAccountId, fundingAccountData })),
      );
      const { tokenRequestorSessionId, ...signatureData } = input.signatureData;
      const requestBody = {
        requestId: randomUUID(),
        tokenRequestorId: input.tokenRequestorId,
        pushFundingAccounts: { encryptedPayload },
        signatureData: {
          ...signatureData,
          accountHolderDataSupplied,
          ...(tokenRequestorSessionId ? { tokenRequestorSessionId } : {}),
        },
        pushAccountReceiptsValidityPeriod: PUSH_RECEIPT_VALIDITY_MINUTES,
      };
      const parsed = pushMultipleAccountsResponseSchema.safeParse(await opts.transport.pushMultipleAccounts(requestBody, signal));
      if (!parsed.success) {
        throw new CardArtError('UPSTREAM_BODY_INVALID', 'pushMultipleAccounts: upstream body has an unexpected shape');
      }
      const response = parsed.data;
      const byId = new Map((response.pushAccountReceipts ?? []).map((entry) => [entry.pushAccountId, entry]));
      const accounts = entries.map(({ pushAccountId, suffix }): PushedAccountOutcome => {
        const entry = byId.get(pushAccountId);
        if (entry?.pushAccountReceipt && !entry.errors?.length) {
          return { pushAccountId, accountPanSuffix: suffix, pushAccountReceipt: entry.pushAccountReceipt };
        }
        const error = entry?.errors?.[0] ?? response.errors?.[0];
        return {
          pushAccountId,
          accountPanSuffix: suffix,
          reasonCode: error?.reasonCode ?? error?.errorCode ?? 'NO_RECEIPT',
          description: error?.description ?? 'MDES issued no receipt for this account',
        };
      });
      return {
        accounts,
        signature: response.signature,
        tokenRequestorSignatureSupport: response.tokenRequestorSignatureSupport === true,
        availablePushMethods: (response.availablePushMethods ?? []).map(({ type, uri }) => ({ type, uri })),
        accountHolderDataSupplied,
        responseId: response.responseId,
      };
    },
  };
}
