import type { TokenRequestor } from '../../upstream/asset-source.ts';
import { CardArtError } from '../../errors.ts';
import { PUSH_RECEIPT_VALIDITY_MINUTES, type PushAccountsClient } from '../../upstream/push-multiple-accounts.ts';
import {
  pullProvisioningQuerySchema,
  pullReturnUrlQuerySchema,
  pushProvisioningRequestSchema,
  type PushProvisioningResponse,
  type PushResultEntry,
} from '../contract/push-provisioning-schemas.ts';
import type { TokenRequestorDirectory } from '../token-requestor-directory.ts';
import { parseContract, provisioningError } from './contract-errors.ts';
import { parsePushResults } from './push-results.ts';
import type { ReceiptStore } from './receipt-store.ts';
import { pullReturnUrl, signedRedirectUrl, unsignedRedirectUrl } from './redirect-url.ts';
import { isCallbackUrl, isUsablePushUri, type UrlRules } from './url-rules.ts';

export type PushOutcome =
  | { ok: true; answer: PushProvisioningResponse }
  | { ok: false; ineligible: PushProvisioningResponse['ineligible'] };

export interface ProvisioningService {
  push(body: unknown, signal?: AbortSignal): Promise<PushOutcome>;
  results(rawQuery: string): Promise<{ results: PushResultEntry[] }>;
  pull(query: unknown, signal?: AbortSignal): Promise<unknown>;
  pullReturnUrl(query: unknown, signal?: AbortSignal): Promise<{ redirectUrl: string }>;
}

export interface ProvisioningServiceOptions {
  /** Undefined when no encryption certificate is configured: push answers 501 NOT_CONFIGURED. */
  pushClient: PushAccountsClient | undefined;
  findRequestor(tokenRequestorId: string, signal?: AbortSignal): Promise<TokenRequestor | undefined>;
  receipts: ReceiptStore;
  urlRules: UrlRules;
  now?: () => number;
}

/**
 * Finds a requestor by ID: in the list for the issuer's account ranges when they are known (cached and refreshed
 * like GET /v1/token-requestors), else in any list this instance has fetched.
 */
export function createRequestorLookup(directory: TokenRequestorDirectory, accountRanges: string[] | undefined) {
  return async (tokenRequestorId: string, signal?: AbortSignal): Promise<TokenRequestor | undefined> => {
    if (accountRanges?.length) {
      const list = await directory.get(accountRanges, signal);
      const found = list.tokenRequestors.find((requestor) => requestor.tokenRequestorId === tokenRequestorId);
      if (found) return found;
    }
    return directory.find(tokenRequestorId);
  };
}

function pushMethodUri(requestor: Pick<TokenRequestor, 'availablePushMethods'>, type: string, rules: UrlRules): string | undefined {
  const methods = Array.isArray(requestor.availablePushMethods) ? requestor.availablePushMethods : [];
  return methods.find((method) => method?.type === type && typeof method.uri === 'string' && isUsablePushUri(type, method.uri, rules))?.uri;
}

function offersMethod(requestor: TokenRequestor, type: string): boolean {
  const supported = requestor.supportedPushMethods;
  return !Array.isArray(supported) || supported.includes(type);
}

function holderDataElements(requestor: TokenRequestor): string[] {
  const list = requestor.supportedAccountHolderData;
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

/** Push and pull provisioning: every rule checked before MDES is called. */
export function createProvisioningService(opts: ProvisioningServiceOptions): ProvisioningService {
  const now = opts.now ?? Date.now;

  async function requireRequestor(tokenRequestorId: string, status: number, signal?: AbortSignal): Promise<TokenRequestor> {
    const requestor = await opts.findRequestor(tokenRequestorId, signal);
    if (!requestor) throw provisioningError('UNKNOWN_TOKEN_REQUESTOR', status);
    return requestor;
  }

  return {
    async push(body, signal) {
      if (!opts.pushClient) throw provisioningError('NOT_CONFIGURED', 501);
      const request = parseContract(pushProvisioningRequestSchema, body);
      if (!isCallbackUrl(request.callbackURL, opts.urlRules)) throw provisioningError('INVALID_CALLBACK_URL');
      const requestor = await requireRequestor(request.tokenRequestorId, 400, signal);
      if (request.accounts.length > 1 && requestor.supportsMultiplePushedCards !== true) throw provisioningError('TOO_MANY_ACCOUNTS');
      const requestorUri = offersMethod(requestor, request.pushMethod) ? pushMethodUri(requestor, request.pushMethod, opts.urlRules) : undefined;
      if (!requestorUri) throw provisioningError('PUSH_METHOD_UNAVAILABLE');

      const signatureData = {
        callbackURL: request.callbackURL,
        completeIssuerAppActivation: request.completeIssuerAppActivation ?? false,
        completeWebsiteActivation: request.completeWebsiteActivation ?? false,
        locale: request.locale,
        ...(request.tokenRequestorSessionId ? { tokenRequestorSessionId: request.tokenRequestorSessionId } : {}),
      };
      const result = await opts.pushClient.push(
        {
          tokenRequestorId: requestor.tokenRequestorId,
          accounts: request.accounts,
          signatureData,
          supportedAccountHolderData: holderDataElements(requestor),
        },
        signal,
      );
      const pushed = result.accounts.flatMap(({ pushAccountId, accountPanSuffix, pushAccountReceipt }) =>
        pushAccountReceipt ? [{ pushAccountId, accountPanSuffix, pushAccountReceipt }] : [],
      );
      const ineligible = result.accounts.flatMap(({ pushAccountId, accountPanSuffix, pushAccountReceipt, reasonCode, description }) =>
        pushAccountReceipt ? [] : [{ pushAccountId, accountPanSuffix, reasonCode: reasonCode ?? 'NO_RECEIPT', description: description ?? '' }],
      );
      if (pushed.length === 0) return { ok: false, ineligible };

      const expiresAt = now() + PUSH_RECEIPT_VALIDITY_MINUTES * 60_000;
      await Promise.all(
        pushed.map(({ pushAccountReceipt, accountPanSuffix }) =>
          opts.receipts.remember(pushAccountReceipt, { accountPanSuffix, tokenRequestorId: requestor.tokenRequestorId }, expiresAt),
        ),
      );
      const uri = pushMethodUri({ availablePushMethods: result.availablePushMethods }, request.pushMethod, opts.urlRules) ?? requestorUri;
      if (result.tokenRequestorSignatureSupport && !result.signature) {
        throw new CardArtError('UPSTREAM_BODY_INVALID', 'pushMultipleAccounts: MDES issued receipts for a signing requestor without a signature');
      }
      const signed = result.tokenRequestorSignatureSupport && result.signature !== undefined;
      const redirectUrl = signed
        ? signedRedirectUrl({ uri, signature: result.signature!, locale: request.locale, extFlow: request.extFlow })
        : unsignedRedirectUrl({
            uri,
            receipts: pushed.map((entry) => entry.pushAccountReceipt),
            callbackURL: request.callbackURL,
            locale: request.locale,
            completeIssuerAppActivation: signatureData.completeIssuerAppActivation,
            completeWebsiteActivation: signatureData.completeWebsiteActivation,
            accountHolderDataSupplied: result.accountHolderDataSupplied,
            extFlow: request.extFlow,
          });
      return { ok: true, answer: { redirectUrl, signed, pushed, ineligible, expiresAt: new Date(expiresAt).toISOString() } };
    },

    async results(rawQuery) {
      const parsed = parsePushResults(rawQuery);
      const results = await Promise.all(
        parsed.map(async (entry) => {
          const known = await opts.receipts.recall(entry.pushAccountReceipt);
          return { ...entry, ...(known ?? {}) };
        }),
      );
      return { results };
    },

    async pull(query, signal) {
      const parsed = parseContract(pullProvisioningQuerySchema, query);
      const requestor = await requireRequestor(parsed.trid, 404, signal);
      if (!pushMethodUri(requestor, parsed.userInterface, opts.urlRules)) throw provisioningError('PUSH_METHOD_UNAVAILABLE');
      return {
        tokenRequestor: {
          tokenRequestorId: requestor.tokenRequestorId,
          consumerFacingEntityName: requestor.consumerFacingEntityName ?? requestor.name,
          tokenRequestorType: requestor.tokenRequestorType,
          logoUrl: `/v1/token-requestor-assets/${encodeURIComponent(String(requestor.imageAssetId))}`,
        },
        sessionId: parsed.sessionId,
        locale: parsed.locale,
        userInterface: parsed.userInterface,
      };
    },

    async pullReturnUrl(query, signal) {
      const parsed = parseContract(pullReturnUrlQuerySchema, query);
      const requestor = await requireRequestor(parsed.trid, 404, signal);
      const uri = pushMethodUri(requestor, parsed.userInterface, opts.urlRules);
      if (!uri) throw provisioningError('PUSH_METHOD_UNAVAILABLE');
      return { redirectUrl: pullReturnUrl(uri, parsed.status, parsed.sessionId, parsed.errDescription) };
    },
  };
}
