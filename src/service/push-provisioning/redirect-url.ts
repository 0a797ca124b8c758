/** The URLs the issuer sends the cardholder to (the signed / unsigned push rules and the pull returns). */

/** Appends `params` (already encoded `k=v` pairs) to `uri`, keeping its query: `&` when it has `?`. */
export function appendQuery(uri: string, params: string[]): string {
  const hash = uri.indexOf('#');
  const base = hash === -1 ? uri : uri.slice(0, hash);
  const fragment = hash === -1 ? '' : uri.slice(hash);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${params.join('&')}${fragment}`;
}

const pair = (name: string, value: string | boolean) => `${name}=${encodeURIComponent(String(value))}`;

export interface SignedRedirect {
  uri: string;
  signature: string;
  locale: string;
  extFlow?: boolean;
}

/** `uri?pushAccountData=<signature>&locale=…[&extFlow=true]` */
export function signedRedirectUrl(input: SignedRedirect): string {
  return appendQuery(input.uri, [
    pair('pushAccountData', input.signature),
    pair('locale', input.locale),
    ...(input.extFlow ? ['extFlow=true'] : []),
  ]);
}

export interface UnsignedRedirect {
  uri: string;
  receipts: string[];
  callbackURL: string;
  locale: string;
  completeIssuerAppActivation: boolean;
  completeWebsiteActivation: boolean;
  accountHolderDataSupplied: boolean;
  extFlow?: boolean;
}

/** `uri?pushAccountReceipts=R1,R2&callbackURL=…&locale=…&completeIssuerAppActivation=…&completeWebsiteActivation=…&accountHolderDataSupplied=…[&extFlow=true]` */
export function unsignedRedirectUrl(input: UnsignedRedirect): string {
  return appendQuery(input.uri, [
    `pushAccountReceipts=${input.receipts.map(encodeURIComponent).join(',')}`,
    pair('callbackURL', input.callbackURL),
    pair('locale', input.locale),
    pair('completeIssuerAppActivation', input.completeIssuerAppActivation),
    pair('completeWebsiteActivation', input.completeWebsiteActivation),
    pair('accountHolderDataSupplied', input.accountHolderDataSupplied),
    ...(input.extFlow ? ['extFlow=true'] : []),
  ]);
}

/** Back to the requestor from a pull: `status=CANCELLED&sessionId=…` or `status=ERROR&errDescription=…&sessionId=…`. */
export function pullReturnUrl(uri: string, status: 'CANCELLED' | 'ERROR', sessionId: string, errDescription?: string): string {
  return appendQuery(uri, [
    pair('status', status),
    ...(status === 'ERROR' ? [pair('errDescription', errDescription ?? 'AUTH_FAILED')] : []),
    pair('sessionId', sessionId),
  ]);
}
