import { CardArtError } from '../errors.ts';

/** Token Connect accepts at most 25 account ranges per getEligibleTokenRequestors call. */
export const MAX_ACCOUNT_RANGES = 25;
/** One account range: a numeric string of 9 to 19 digits. */
export const ACCOUNT_RANGE_PATTERN = /^[0-9]{9,19}$/;

/** Returns 1..25 account ranges, each a numeric string of 9..19 digits. */
export function assertAccountRanges(ranges: unknown): string[] {
  if (!Array.isArray(ranges) || ranges.length < 1 || ranges.length > MAX_ACCOUNT_RANGES) {
    throw new CardArtError('INVALID_ACCOUNT_RANGES', `accountRanges must list 1 to ${MAX_ACCOUNT_RANGES} account ranges`);
  }
  for (const range of ranges) {
    if (typeof range !== 'string' || !ACCOUNT_RANGE_PATTERN.test(range)) {
      throw new CardArtError('INVALID_ACCOUNT_RANGES', 'each account range must be a string of 9 to 19 digits');
    }
  }
  return [...(ranges as string[])];
}
