import type { z } from 'zod';
import { CardArtError } from '../../errors.ts';
import { MAX_PUSHED_ACCOUNTS } from '../../upstream/push-multiple-accounts.ts';
import { MAX_CALLBACK_URL_LENGTH } from '../contracts/push-provisioning.ts';

/** The public message of each provisioning error code (one place, so the error table can list them). */
export const PROVISIONING_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  INVALID_ACCOUNT_NUMBER: 'accountNumber must be 9 to 19 digits and pass the Luhn check',
  CARD_EXPIRED: 'The card has expired (expiryMonth / expiryYear is in the past)',
  TOO_MANY_ACCOUNTS: `Push 1 to ${MAX_PUSHED_ACCOUNTS} accounts, or 1 when the token requestor does not support multiple cards`,
  PUSH_METHOD_UNAVAILABLE: 'The token requestor does not offer that push method (or its uri is not usable for it)',
  INVALID_CALLBACK_URL: `callbackURL must be an absolute https: URL or an app scheme of at most ${MAX_CALLBACK_URL_LENGTH} characters`,
  INVALID_LOCALE: 'locale must be a language and a country like en_US',
  UNKNOWN_TOKEN_REQUESTOR: 'No eligible token requestor has that ID',
  NO_ELIGIBLE_ACCOUNTS: 'None of the cards can be pushed to this token requestor',
  INVALID_RESULTS: 'The query must hold 1 to 5 results[<pushAccountReceipt>]=<STATUS>|<tokenUniqueReference> entries',
  NOT_CONFIGURED: 'Push provisioning is not configured on this instance (MDES_ENCRYPTION_CERT is unset)',
};

export function provisioningError(code: keyof typeof PROVISIONING_ERROR_MESSAGES & string, status = 400): CardArtError {
  return new CardArtError(status, code, PROVISIONING_ERROR_MESSAGES[code] ?? code);
}

/**
 * Parses with a contract schema; the first issue becomes the error. An issue whose message is one of our codes
 * gives that code; anything else is INVALID_REQUEST naming the field (never its value: it may be a card number).
 */
export function parseContract<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const code = issue?.message;
  if (code && PROVISIONING_ERROR_MESSAGES[code] !== undefined) throw provisioningError(code);
  const where = issue?.path.length ? issue.path.join('.') : 'request';
  throw new CardArtError(400, 'INVALID_REQUEST', `${where}: ${issue?.code === 'unrecognized_keys' ? 'unknown field' : 'missing or invalid'}`);
}
