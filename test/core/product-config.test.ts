import { describe, expect, it } from 'vitest';
import { parseCardText, parseProductConfig } from '../../src/core/product-config.ts';
import { CardArtError } from '../../src/errors.ts';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CardArtError);
    expect((error as CardArtError).status).toBe(400);
    return (error as CardArtError).code;
  }
  return undefined;
}

describe('parseProductConfig', () => {
  it('keeps the fields card-art reads, normalizes colour and isCoBranded, drops the rest', () => {
    const config = parseProductConfig({
      cardBackgroundAssetId: '739d27e5-629d-11e3-949a-0800200c9a66',
      brandLogoAssetId: 'brand_1',
      issuerLogoAssetId: 'issuer-1',
      coBrandLogoAssetId: 'co',
      iconAssetId: 'icon',
      foregroundColor: 'C00F00',
      isCoBranded: 'true',
      shortDescription: 'Bank Rewards MasterCard',
      termsAndConditionsUrl: 'https://example.test/tc',
      issuerName: 'Issuing Bank',
    });
    expect(config).toEqual({
      cardBackgroundAssetId: '739d27e5-629d-11e3-949a-0800200c9a66',
      brandLogoAssetId: 'brand_1',
      issuerLogoAssetId: 'issuer-1',
      coBrandLogoAssetId: 'co',
      iconAssetId: 'icon',
      foregroundColor: 'c00f00',
      isCoBranded: true,
    });
  });

  it('refuses a leading # and "TRUE" (the document says 6 hex digits, no "#", and true/false), treats null as absent', () => {
    expect(codeOf(() => parseProductConfig({ cardBackgroundCombinedAssetId: 'x', foregroundColor: '#FFFFFF' }))).toBe('INVALID_FOREGROUND_COLOR');
    expect(codeOf(() => parseProductConfig({ cardBackgroundCombinedAssetId: 'x', isCoBranded: 'TRUE' }))).toBe('INVALID_PRODUCT_CONFIG');
    expect(parseProductConfig({ cardBackgroundCombinedAssetId: 'x', foregroundColor: 'FFFFFF', issuerLogoAssetId: null })).toEqual({
      cardBackgroundCombinedAssetId: 'x',
      foregroundColor: 'ffffff',
    });
    expect(parseProductConfig({ cardBackgroundAssetId: 'x', isCoBranded: false }).isCoBranded).toBe(false);
    expect(parseProductConfig({ cardBackgroundAssetId: 'x', isCoBranded: 'false' }).isCoBranded).toBe(false);
  });

  it('rejects what is not an object', () => {
    expect(codeOf(() => parseProductConfig('x'))).toBe('INVALID_PRODUCT_CONFIG');
    expect(codeOf(() => parseProductConfig(null))).toBe('INVALID_PRODUCT_CONFIG');
    expect(codeOf(() => parseProductConfig([{}]))).toBe('INVALID_PRODUCT_CONFIG');
  });

  it('requires a background', () => {
    expect(codeOf(() => parseProductConfig({ issuerLogoAssetId: 'a' }))).toBe('MISSING_BACKGROUND');
  });

  it('rejects bad asset IDs', () => {
    expect(codeOf(() => parseProductConfig({ cardBackgroundAssetId: '../etc/passwd' }))).toBe('INVALID_ASSET_ID');
    expect(codeOf(() => parseProductConfig({ cardBackgroundAssetId: 'a'.repeat(65) }))).toBe('INVALID_ASSET_ID');
    expect(codeOf(() => parseProductConfig({ cardBackgroundAssetId: 'ok', brandLogoAssetId: 42 }))).toBe('INVALID_ASSET_ID');
    expect(codeOf(() => parseProductConfig({ cardBackgroundAssetId: '' }))).toBe('INVALID_ASSET_ID');
  });

  it('rejects bad colours and isCoBranded values', () => {
    for (const colour of ['fff', '12345g', '#1234567', 'red', 123456]) {
      expect(codeOf(() => parseProductConfig({ cardBackgroundAssetId: 'a', foregroundColor: colour }))).toBe('INVALID_FOREGROUND_COLOR');
    }
    expect(codeOf(() => parseProductConfig({ cardBackgroundAssetId: 'a', isCoBranded: 'yes' }))).toBe('INVALID_PRODUCT_CONFIG');
  });
});

describe('parseCardText', () => {
  it('accepts card text with bullets and treats empty as none', () => {
    expect(parseCardText('•••• 1234')).toBe('•••• 1234');
    expect(parseCardText('Ünïcødé Ωmega €')).toBe('Ünïcødé Ωmega €');
    expect(parseCardText('')).toBeUndefined();
    expect(parseCardText(undefined)).toBeUndefined();
  });

  it('rejects long, non-string and non-printable text', () => {
    expect(parseCardText('x'.repeat(32))).toHaveLength(32);
    expect(codeOf(() => parseCardText('x'.repeat(33)))).toBe('INVALID_TEXT');
    expect(codeOf(() => parseCardText(1234))).toBe('INVALID_TEXT');
    expect(codeOf(() => parseCardText('a\nb'))).toBe('INVALID_TEXT');
    expect(codeOf(() => parseCardText('a\u0000b'))).toBe('INVALID_TEXT');
    expect(codeOf(() => parseCardText('a\u202eb'))).toBe('INVALID_TEXT');
  });

  it('rejects characters the shipped font has no glyph for', () => {
    expect(codeOf(() => parseCardText('•••• 漢字'))).toBe('INVALID_TEXT');
    expect(codeOf(() => parseCardText('\u{1F600}'))).toBe('INVALID_TEXT');
  });
});
