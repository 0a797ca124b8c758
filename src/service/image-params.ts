import type { OutputFormat } from '../core/asset-media.ts';
import { assertAllowedWidth } from '../core/card-render-types.ts';
import { CardArtError } from '../errors.ts';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['png', 'webp', 'avif'];

export interface ChosenFormat {
  format: OutputFormat;
  /** True when the format came from the Accept header, so the response must say `Vary: Accept`. */
  negotiated: boolean;
}

/** One query value: a repeated parameter is refused rather than guessed at. */
export function singleQueryValue(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  throw new CardArtError('INVALID_REQUEST', `${name} must be given once`);
}

/** Width from ALLOWED_WIDTHS; undefined input gives `fallback`. */
export function parseWidth(raw: unknown, fallback: number | undefined): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  return assertAllowedWidth(value);
}

/** An explicit `format` wins; otherwise the best of avif > webp > png the Accept header lists; default png. */
export function chooseFormat(raw: unknown, acceptHeader: string | undefined): ChosenFormat {
  if (raw !== undefined && raw !== '') {
    if (typeof raw !== 'string' || !(OUTPUT_FORMATS as readonly string[]).includes(raw)) {
      throw new CardArtError('INVALID_FORMAT', `format must be one of ${OUTPUT_FORMATS.join(', ')}`);
    }
    return { format: raw as OutputFormat, negotiated: false };
  }
  const accepted = acceptedImageTypes(acceptHeader ?? '');
  if (accepted.has('image/avif')) return { format: 'avif', negotiated: true };
  if (accepted.has('image/webp')) return { format: 'webp', negotiated: true };
  return { format: 'png', negotiated: true };
}

/** Media types listed explicitly (wildcards do not count) with a non-zero q. */
function acceptedImageTypes(accept: string): Set<string> {
  const types = new Set<string>();
  for (const part of accept.slice(0, 2048).split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    types.add(type.trim());
  }
  return types;
}
