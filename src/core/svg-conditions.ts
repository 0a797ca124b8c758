/**
 * SVG conditional processing (`systemLanguage`, `requiredExtensions`, `requiredFeatures` and `<switch>`) decided
 * once by the sanitizer, so the rebuilt document draws the same everywhere: librsvg would otherwise answer
 * `systemLanguage` from the server's locale and a browser from its user's. A logo is drawn as for an English
 * reader (the language resvg's test suite assumes). The attributes themselves are not on the
 * allow-list, so they never reach the rebuilt document.
 */

/** The reader's language: a `systemLanguage` tag matches it or a subtag of it (`en`, `en-GB`, `en-US`). */
const READER_LANGUAGE = 'en';

/** Elements the attributes apply to (SVG 2's list), of those the sanitizer keeps; on others they mean nothing. */
export const CONDITIONAL_ELEMENTS = new Set(
  'a circle ellipse g image line path polygon polyline rect svg switch text textPath tspan use'.split(' '),
);

/**
 * Whether an element with these attribute values is drawn. `systemLanguage`: one of its comma-separated tags is
 * the reader's language or starts with it and `-`. `requiredExtensions`: no extension is supported, so any value
 * (even an empty one) is false. `requiredFeatures` (dropped in SVG 2) is always true, as in browsers.
 */
export function passesConditions(attribute: (name: string) => string | null): boolean {
  const languages = attribute('systemLanguage');
  if (languages !== null) {
    const matches = languages.split(',').some((tag) => {
      const normalized = tag.trim().toLowerCase();
      return normalized === READER_LANGUAGE || normalized.startsWith(`${READER_LANGUAGE}-`);
    });
    if (!matches) return false;
  }
  return attribute('requiredExtensions') === null;
}
