import { PUSH_ACCOUNT_RECEIPT_PATTERN, MAX_PUSHED_ACCOUNTS } from '../../upstream/push-multiple-accounts.ts';
import { PUSH_RESULT_STATUSES, TOKEN_UNIQUE_REFERENCE_PATTERN } from '../contract/push-provisioning-schemas.ts';
import { provisioningError } from './contract-errors.ts';

export interface ParsedPushResult {
  pushAccountReceipt: string;
  status: (typeof PUSH_RESULT_STATUSES)[number];
  tokenUniqueReference?: string;
}

/**
 * Reads `results[<receipt>]=<STATUS>|<tokenUniqueReference>` pairs from the raw query the requestor appended to
 * callbackURL (other parameters, such as the issuer's own, are ignored). A malformed entry, a repeated receipt,
 * none or more than 5 is INVALID_RESULTS.
 */
export function parsePushResults(rawQuery: string): ParsedPushResult[] {
  const results: ParsedPushResult[] = [];
  const seen = new Set<string>();
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(rawQuery);
  } catch {
    throw provisioningError('INVALID_RESULTS');
  }
  for (const [key, value] of params) {
    if (!key.startsWith('results')) continue;
    const match = /^results\[([^\]]*)\]$/.exec(key);
    const receipt = match?.[1];
    if (!receipt || !PUSH_ACCOUNT_RECEIPT_PATTERN.test(receipt) || seen.has(receipt)) throw provisioningError('INVALID_RESULTS');
    const bar = value.indexOf('|');
    const status = bar === -1 ? value : value.slice(0, bar);
    const reference = bar === -1 ? '' : value.slice(bar + 1);
    if (!(PUSH_RESULT_STATUSES as readonly string[]).includes(status)) throw provisioningError('INVALID_RESULTS');
    if (reference !== '' && !TOKEN_UNIQUE_REFERENCE_PATTERN.test(reference)) throw provisioningError('INVALID_RESULTS');
    seen.add(receipt);
    results.push({
      pushAccountReceipt: receipt,
      status: status as ParsedPushResult['status'],
      ...(reference ? { tokenUniqueReference: reference } : {}),
    });
    if (results.length > MAX_PUSHED_ACCOUNTS) throw provisioningError('INVALID_RESULTS');
  }
  if (results.length === 0) throw provisioningError('INVALID_RESULTS');
  return results;
}
