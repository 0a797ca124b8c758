import { describe, expect, it } from 'vitest';
import { CONDITIONAL_ELEMENTS, passesConditions } from '../../src/core/svg-conditions.ts';

const attributes = (values: Record<string, string>) => (name: string) => values[name] ?? null;

describe('passesConditions (an English reader)', () => {
  it('systemLanguage holds for en and its subtags, in any case and position of the list', () => {
    for (const value of ['en', 'en-US', 'en-GB', 'EN-us', 'ru, en', ' fr ,en-AU ']) {
      expect(passesConditions(attributes({ systemLanguage: value })), value).toBe(true);
    }
    for (const value of ['ru-RU', 'ru', 'eng', 'fr,de', '', 'english']) {
      expect(passesConditions(attributes({ systemLanguage: value })), value).toBe(false);
    }
  });

  it('requiredExtensions is false whatever it names (no extension is supported); requiredFeatures is ignored', () => {
    expect(passesConditions(attributes({ requiredExtensions: 'http://ns.adobe.com/AdobeIllustrator/10.0/' }))).toBe(false);
    expect(passesConditions(attributes({ requiredExtensions: '' }))).toBe(false);
    expect(passesConditions(attributes({ requiredFeatures: 'http://www.w3.org/TR/SVG11/feature#Shape' }))).toBe(true);
    expect(passesConditions(attributes({}))).toBe(true);
  });

  it('applies to drawn elements only, not to definitions', () => {
    for (const name of ['g', 'rect', 'use', 'text', 'switch', 'a', 'svg']) expect(CONDITIONAL_ELEMENTS.has(name), name).toBe(true);
    for (const name of ['defs', 'clipPath', 'linearGradient', 'mask', 'pattern', 'marker', 'symbol', 'style']) {
      expect(CONDITIONAL_ELEMENTS.has(name), name).toBe(false);
    }
  });
});
