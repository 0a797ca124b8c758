import { describe, expect, it } from 'vitest';
import { isCallbackUrl, isUsablePushUri } from '../../../src/service/push-provisioning/url-rules.ts';

const strict = { allowLoopbackHttp: false };
const embedded = { allowLoopbackHttp: true };

describe('URL rules', () => {
  it.each(['https://issuer.example/back', 'https://issuer.example/back?x=1', 'mybank://cards/done', 'com.bank.app:/callback'])('accepts %s as callbackURL', (url) => {
    expect(isCallbackUrl(url, strict)).toBe(true);
  });

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,<b>x</b>',
    'file:///etc/passwd',
    'http://issuer.example/back',
    'http://127.0.0.1:8080/',
    '/relative/path',
    'issuer.example/back',
    'https://user:pw@issuer.example/',
    'https://issuer.example/a b',
    'mybank:',
    '',
  ])('refuses %s as callbackURL against real MDES', (url) => {
    expect(isCallbackUrl(url, strict)).toBe(false);
  });

  it('embedded mode accepts http: on loopback only (the demo on localhost)', () => {
    expect(isCallbackUrl('http://127.0.0.1:8080/?pushReturn=1', embedded)).toBe(true);
    expect(isCallbackUrl('http://localhost:8080/', embedded)).toBe(true);
    expect(isCallbackUrl('http://issuer.example/', embedded)).toBe(false);
  });

  it('push uris: https: for WEB, app schemes for ANDROID and IOS', () => {
    expect(isUsablePushUri('WEB', 'https://wallet.example/push', strict)).toBe(true);
    expect(isUsablePushUri('WEB', 'wallet://push', strict)).toBe(false);
    expect(isUsablePushUri('WEB', 'http://wallet.example/push', strict)).toBe(false);
    expect(isUsablePushUri('IOS', 'wallet://push', strict)).toBe(true);
    expect(isUsablePushUri('ANDROID', 'https://wallet.example/push', strict)).toBe(false);
    expect(isUsablePushUri('ANDROID', 'javascript:alert(1)', strict)).toBe(false);
  });
});
