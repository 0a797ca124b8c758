import { randomBytes, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { isCardExpired, isLuhnValid } from '../core/card-number.ts';
import { certificateFingerprint, encryptedPayloadSchema, generateEncryptionKeyPair } from '../upstream/field-level-encryption.ts';
import { createPayloadDecrypter } from '../upstream/payload-decrypter.ts';
import { generateJwsKey, signCompactJws, type JwsKey } from './compact-jws.ts';
import { mdesErrorBody } from './mdes-error-bodies.ts';
import { findSimulatedRequestor, isInEnabledRanges, stringList } from './simulated-requestors.ts';

/** Receipts the simulator remembers (its "MDES" side); far more than any test or demo issues. */
const MAX_REMEMBERED_RECEIPTS = 10_000;
const HOLDER_FIELD_ELEMENT: Record<string, string> = {
  accountHolderName: 'NAME',
  accountHolderAddress: 'ADDRESS',
  accountHolderEmailAddress: 'EMAIL_ADDRESS',
  accountHolderMobilePhoneNumber: 'MOBILE_PHONE_NUMBER',
};

export interface IssuedReceipt {
  tokenRequestorId: string;
  accountPanSuffix: string;
  expiresAt: number;
  /** Set once the requestor page has reported a result for it. */
  used: boolean;
}

export interface PushAccountsSimulator {
  /** The "Mastercard" encryption certificate: the service encrypts pushMultipleAccounts payloads with it. */
  encryptionCertificatePem: string;
  jwsKey: JwsKey;
  receipts: LRUCache<string, IssuedReceipt>;
  handlePush(body: string): Promise<{ status: number; body: string }>;
  /** Get Asset body of the JWS key (`application/jwk+json`), when `assetId` is its kid. */
  jwkAssetBody(assetId: string): string | undefined;
}

const requestSchema = z.object({
  requestId: z.string().min(1).max(64),
  tokenRequestorId: z.string().regex(/^\d{11}$/),
  pushFundingAccounts: z.object({ encryptedPayload: encryptedPayloadSchema }),
  signatureData: z
    .object({
      callbackURL: z.string().max(256).optional(),
      completeIssuerAppActivation: z.boolean().optional(),
      completeWebsiteActivation: z.boolean().optional(),
      accountHolderDataSupplied: z.boolean().optional(),
      locale: z.string().regex(/^[a-z]{2}_[A-Z]{2}$/).optional(),
      tokenRequestorSessionId: z.string().min(3).max(64).optional(),
    })
    .optional(),
  pushAccountReceiptsValidityPeriod: z.number().int().min(5).max(15).optional(),
});

const fundingAccountsSchema = z
  .array(
    z.object({
      pushAccountId: z.string().min(1).max(36),
      fundingAccountData: z.object({
        cardAccountData: z.object({
          accountNumber: z.string().regex(/^\d{9,19}$/),
          expiryMonth: z.string().regex(/^(0[1-9]|1[0-2])$/),
          expiryYear: z.string().regex(/^\d{2}$/),
        }),
        accountHolderData: z.record(z.string(), z.unknown()).optional(),
      }),
    }),
  )
  .min(1)
  .max(5);

/** The MDES side of push provisioning: its own keys, pushMultipleAccounts, receipts and the signed redirect data. */
export function createPushAccountsSimulator(opts: { assetDir: string; origin: () => string; now?: () => number }): PushAccountsSimulator {
  const now = opts.now ?? Date.now;
  // Keys are made on first use: RSA key generation costs tens of milliseconds, and most simulators never push.
  const keys = once(() => {
    const keyPair = generateEncryptionKeyPair('card-art simulator (Mastercard encryption key)');
    return {
      certificatePem: keyPair.certificatePem,
      decrypter: createPayloadDecrypter({ keys: [keyPair] }),
      fingerprint: certificateFingerprint(keyPair.certificatePem),
    };
  });
  const jwsKeyOnce = once(() => generateJwsKey(randomUUID()));
  const receipts = new LRUCache<string, IssuedReceipt>({ max: MAX_REMEMBERED_RECEIPTS });
  const invalid = (reasonCode: string, description: string) => ({ status: 400, body: mdesErrorBody(reasonCode, description) });

  return {
    get encryptionCertificatePem() {
      return keys().certificatePem;
    },
    get jwsKey() {
      return jwsKeyOnce();
    },
    receipts,
    jwkAssetBody(assetId) {
      // No key made yet: no kid can name it (and serving ordinary assets should not make one).
      if (!jwsKeyOnce.made()) return undefined;
      const jwsKey = jwsKeyOnce();
      if (assetId !== jwsKey.kid) return undefined;
      const data = Buffer.from(JSON.stringify(jwsKey.publicJwk)).toString('base64');
      return JSON.stringify({ mediaContents: [{ type: 'application/jwk+json', data }] });
    },
    async handlePush(body) {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return invalid('INVALID_JSON', 'Request body is not valid JSON');
      }
      const parsed = requestSchema.safeParse(json);
      if (!parsed.success) return invalid('INVALID_FIELD_VALUE', `Invalid field: ${parsed.error.issues[0]?.path.join('.') ?? 'body'}`);
      const request = parsed.data;
      const requestor = await findSimulatedRequestor(opts.assetDir, opts.origin(), request.tokenRequestorId);
      if (!requestor) return invalid('INVALID_TOKEN_REQUESTOR_ID', 'Unknown tokenRequestorId');
      const payload = request.pushFundingAccounts.encryptedPayload;
      const { decrypter, fingerprint } = keys();
      if (payload.publicKeyFingerprint?.toLowerCase() !== fingerprint) {
        return invalid('CRYPTOGRAPHY_ERROR', 'publicKeyFingerprint does not match a Mastercard key');
      }
      let clear: unknown;
      try {
        clear = await decrypter.decrypt(payload);
      } catch {
        return invalid('CRYPTOGRAPHY_ERROR', 'The encrypted payload could not be decrypted');
      }
      const accounts = fundingAccountsSchema.safeParse(clear);
      if (!accounts.success) return invalid('INVALID_FIELD_VALUE', 'pushFundingAccounts does not hold 1-5 funding accounts');
      const ids = accounts.data.map((account) => account.pushAccountId);
      if (new Set(ids).size !== ids.length) return invalid('INVALID_FIELD_VALUE', 'pushAccountId must be unique per account');
      if (accounts.data.length > 1 && requestor.supportsMultiplePushedCards !== true) {
        return invalid('INVALID_FIELD_VALUE', 'The token requestor does not support multiple pushed cards');
      }
      const supportedHolderData = stringList(requestor.supportedAccountHolderData);
      for (const account of accounts.data) {
        for (const field of Object.keys(account.fundingAccountData.accountHolderData ?? {})) {
          if (!supportedHolderData.includes(HOLDER_FIELD_ELEMENT[field] ?? field)) {
            return invalid('INVALID_FIELD_VALUE', `accountHolderData.${field} is not accepted by this token requestor`);
          }
        }
      }
      const validityMs = (request.pushAccountReceiptsValidityPeriod ?? 15) * 60_000;
      const pushAccountReceipts = accounts.data.map(({ pushAccountId, fundingAccountData: { cardAccountData: card } }) => {
        const reason = !isLuhnValid(card.accountNumber)
          ? 'The account number is not valid'
          : isCardExpired(card.expiryMonth, card.expiryYear, new Date(now()))
            ? 'The card has expired'
            : !isInEnabledRanges(card.accountNumber, requestor.enabledAccountRanges)
              ? 'The account range is not enabled for this token requestor'
              : undefined;
        if (reason) {
          return { pushAccountId, errors: [{ source: 'INPUT', reasonCode: 'ACCOUNT_INELIGIBLE', description: reason, recoverable: false }] };
        }
        const pushAccountReceipt = `${card.accountNumber.startsWith('2') || card.accountNumber.startsWith('5') ? 'MCC' : 'MSI'}-${randomUUID().toUpperCase()}`;
        receipts.set(pushAccountReceipt, {
          tokenRequestorId: requestor.tokenRequestorId,
          accountPanSuffix: card.accountNumber.slice(-4),
          expiresAt: now() + validityMs,
          used: false,
        });
        return { pushAccountId, pushAccountReceipt };
      });
      const issued = pushAccountReceipts.flatMap((entry) => ('pushAccountReceipt' in entry ? [entry.pushAccountReceipt] : []));
      const signatureSupport = requestor.tokenRequestorSignatureSupport === true;
      const signature =
        signatureSupport && issued.length > 0
          ? signCompactJws(
              {
                pushAccountReceipts: issued,
                ...request.signatureData,
                iat: Math.floor(now() / 1000),
                exp: Math.floor((now() + validityMs) / 1000),
                jti: randomBytes(8).toString('hex'),
              },
              jwsKeyOnce(),
            )
          : undefined;
      return {
        status: 200,
        body: JSON.stringify({
          responseId: request.requestId,
          pushAccountReceipts,
          availablePushMethods: Array.isArray(requestor.availablePushMethods) ? requestor.availablePushMethods : [],
          tokenRequestorSignatureSupport: signatureSupport,
          ...(signature ? { signature } : {}),
        }),
      };
    },
  };
}

function once<T>(make: () => T): (() => T) & { made(): boolean } {
  let value: T | undefined;
  return Object.assign(() => (value ??= make()), { made: () => value !== undefined });
}
