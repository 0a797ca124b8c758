/** Where MDES assets come from: the real API or the embedded simulator, both over HTTP. */

export interface PushMethod {
  type: string;
  uri: string;
}

export interface TokenRequestor {
  tokenRequestorId: string;
  name: string;
  consumerFacingEntityName?: string;
  imageAssetId: string;
  tokenRequestorType: 'WALLET' | 'MERCHANT' | string;
  enabledAccountRanges?: string[];
  supportedPushMethods?: string[];
  availablePushMethods?: PushMethod[];
  [extra: string]: unknown;
}

export interface EligibleTokenRequestorsResponse {
  responseId?: string;
  tokenRequestors: TokenRequestor[];
}

export interface AssetSource {
  /** Get Asset (Digital Enablement): the JSON body, size-bounded; validated later by core decoding. */
  getAsset(assetId: string, signal?: AbortSignal): Promise<unknown>;
  /** Token Connect getEligibleTokenRequestors for 1–25 account ranges of 9–19 digits. */
  getEligibleTokenRequestors(accountRanges: string[], signal?: AbortSignal): Promise<EligibleTokenRequestorsResponse>;
  /** Token requestor logo (SVG and PNG entries) as a Get Asset-shaped JSON body. */
  getTokenRequestorAsset(assetId: string, signal?: AbortSignal): Promise<unknown>;
  /** Resolves when the upstream answers at all (for /readyz); rejects otherwise. */
  ping?(signal?: AbortSignal): Promise<void>;
}

/** Sends one pushMultipleAccounts request body (already encrypted) and returns the parsed JSON answer. */
export interface PushAccountsTransport {
  pushMultipleAccounts(requestBody: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>;
}
