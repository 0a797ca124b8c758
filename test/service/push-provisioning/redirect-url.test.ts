import { describe, expect, it } from 'vitest';
import { appendQuery, pullReturnUrl, signedRedirectUrl, unsignedRedirectUrl } from '../../../src/service/push-provisioning/redirect-url.ts';

const unsigned = {
  receipts: ['MCC-1', 'MCC-2'],
  callbackURL: 'https://issuer.example/back?x=1&y=2',
  locale: 'en_US',
  completeIssuerAppActivation: false,
  completeWebsiteActivation: true,
  accountHolderDataSupplied: true,
};

describe('push redirect URLs (signed and unsigned rules)', () => {
  it('signed: pushAccountData, then locale, on a uri without a query', () => {
    expect(signedRedirectUrl({ uri: 'https://wallet.example/push', signature: 'aGVhZA.Ym9keQ.c2ln', locale: 'en_US' })).toBe(
      'https://wallet.example/push?pushAccountData=aGVhZA.Ym9keQ.c2ln&locale=en_US',
    );
  });

  it('signed: keeps an existing query (appends with &) and adds extFlow=true when asked', () => {
    expect(signedRedirectUrl({ uri: 'https://c2p.example/push?src=issuer', signature: 'a.b.c', locale: 'fr_FR', extFlow: true })).toBe(
      'https://c2p.example/push?src=issuer&pushAccountData=a.b.c&locale=fr_FR&extFlow=true',
    );
  });

  it('unsigned: receipts comma-joined, callbackURL encoded, every flag in the fixed order', () => {
    expect(unsignedRedirectUrl({ uri: 'https://shop.example/cards/push', ...unsigned })).toBe(
      'https://shop.example/cards/push?pushAccountReceipts=MCC-1,MCC-2&callbackURL=https%3A%2F%2Fissuer.example%2Fback%3Fx%3D1%26y%3D2&locale=en_US&completeIssuerAppActivation=false&completeWebsiteActivation=true&accountHolderDataSupplied=true',
    );
  });

  it('unsigned: uri with a query, an app scheme uri, and extFlow', () => {
    expect(unsignedRedirectUrl({ uri: 'https://shop.example/push?a=b', ...unsigned, receipts: ['R1'], extFlow: true })).toBe(
      'https://shop.example/push?a=b&pushAccountReceipts=R1&callbackURL=https%3A%2F%2Fissuer.example%2Fback%3Fx%3D1%26y%3D2&locale=en_US&completeIssuerAppActivation=false&completeWebsiteActivation=true&accountHolderDataSupplied=true&extFlow=true',
    );
    expect(unsignedRedirectUrl({ uri: 'wingtipwallet://push', ...unsigned, receipts: ['R1'], callbackURL: 'mybank://cards/done' })).toBe(
      'wingtipwallet://push?pushAccountReceipts=R1&callbackURL=mybank%3A%2F%2Fcards%2Fdone&locale=en_US&completeIssuerAppActivation=false&completeWebsiteActivation=true&accountHolderDataSupplied=true',
    );
  });

  it('appendQuery: a trailing ? or & gets no extra separator; a fragment stays last', () => {
    expect(appendQuery('https://a.example/p?', ['k=v'])).toBe('https://a.example/p?k=v');
    expect(appendQuery('https://a.example/p?x=1&', ['k=v'])).toBe('https://a.example/p?x=1&k=v');
    expect(appendQuery('https://a.example/p#top', ['k=v'])).toBe('https://a.example/p?k=v#top');
  });

  it('pull returns: CANCELLED with the session, ERROR with its description', () => {
    expect(pullReturnUrl('https://wallet.example/push', 'CANCELLED', 'sess-1')).toBe('https://wallet.example/push?status=CANCELLED&sessionId=sess-1');
    expect(pullReturnUrl('https://wallet.example/push?v=2', 'ERROR', 'sess 2', 'AUTH_FAILED')).toBe(
      'https://wallet.example/push?v=2&status=ERROR&errDescription=AUTH_FAILED&sessionId=sess%202',
    );
  });
});
