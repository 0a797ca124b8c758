import { describe, expect, it } from 'vitest';
import { PUSH_RESULT_STATUSES } from '../../../src/service/contract/push-provisioning-schemas.ts';
import { parsePushResults } from '../../../src/service/push-provisioning/push-results.ts';

const pair = (receipt: string, value: string) => `${encodeURIComponent(`results[${receipt}]`)}=${encodeURIComponent(value)}`;

describe('parsePushResults', () => {
  it.each(PUSH_RESULT_STATUSES)('reads %s with and without a tokenUniqueReference', (status) => {
    expect(parsePushResults(pair('MCC-A', `${status}|DWSPMC00001`))).toEqual([{ pushAccountReceipt: 'MCC-A', status, tokenUniqueReference: 'DWSPMC00001' }]);
    expect(parsePushResults(pair('MCC-A', `${status}|`))).toEqual([{ pushAccountReceipt: 'MCC-A', status }]);
    expect(parsePushResults(pair('MCC-A', status))).toEqual([{ pushAccountReceipt: 'MCC-A', status }]);
  });

  it('reads several results, unencoded brackets too, and ignores the issuer’s own parameters', () => {
    const query = `pushReturn=1&${pair('MCC-A', 'APPROVED|T1')}&results[MCC-B]=DECLINED%7C&other=x`;
    expect(parsePushResults(query)).toEqual([
      { pushAccountReceipt: 'MCC-A', status: 'APPROVED', tokenUniqueReference: 'T1' },
      { pushAccountReceipt: 'MCC-B', status: 'DECLINED' },
    ]);
  });

  it.each([
    ['no results at all', 'pushReturn=1'],
    ['an unknown status', pair('MCC-A', 'MAYBE|T1')],
    ['a lower-case status', pair('MCC-A', 'approved|T1')],
    ['an empty receipt', `${encodeURIComponent('results[]')}=APPROVED`],
    ['a receipt with odd characters', pair('MCC A<', 'APPROVED')],
    ['a receipt over 64 characters', pair('R'.repeat(65), 'APPROVED')],
    ['no brackets', 'results=APPROVED'],
    ['a nested key', `${encodeURIComponent('results[A][B]')}=APPROVED`],
    ['a token reference with odd characters', pair('MCC-A', 'APPROVED|<script>')],
    ['the same receipt twice', `${pair('MCC-A', 'APPROVED')}&${pair('MCC-A', 'DECLINED')}`],
    ['more than five', Array.from({ length: 6 }, (_, i) => pair(`MCC-${i}`, 'APPROVED')).join('&')],
  ])('refuses %s as 400 INVALID_RESULTS', (_name, query) => {
    expect(() => parsePushResults(query)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_RESULTS' }));
  });
});
