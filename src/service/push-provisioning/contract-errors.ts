import type { z } from 'zod';
import { CardArtError, ERRORS } from '../../errors.ts';
import { PROVISIONING_ERROR_CODES } from '../contract/push-provisioning-schemas.ts';

type ProvisioningCode = (typeof PROVISIONING_ERROR_CODES)[number];

/** The public message of each provisioning error code, from the error table. */
export const PROVISIONING_ERROR_MESSAGES: Readonly<Record<string, string>> = Object.fromEntries(
  PROVISIONING_ERROR_CODES.map((code) => [code, ERRORS[code].message]),
);

export function provisioningError(code: ProvisioningCode, status?: number): CardArtError {
  const detail = code === 'NOT_CONFIGURED' ? 'Push provisioning is not configured on this instance (MDES_ENCRYPTION_CERT is unset)' : undefined;
  return new CardArtError(code, detail, status === undefined ? {} : { status });
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
  if (code && PROVISIONING_ERROR_MESSAGES[code] !== undefined) throw provisioningError(code as ProvisioningCode);
  const where = issue?.path.length ? issue.path.join('.') : 'request';
  throw new CardArtError('INVALID_REQUEST', `${where}: ${issue?.code === 'unrecognized_keys' ? 'unknown field' : 'missing or invalid'}`);
}
