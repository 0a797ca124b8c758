import type { OutputFormat } from '../core/asset-media.ts';
import { parseOrThrow } from '../core/schema-errors.ts';
import { formatSchema, widthSchema } from './contract/schemas.ts';

export interface ChosenFormat {
  format: OutputFormat;
  /** True when the format came from the Accept header, so the response must say `Vary: Accept`. */
  negotiated: boolean;
}

/** A width as a query string or JSON number carries it (digits only), checked by the contract's width schema. */
export function parseWidth(raw: unknown, fallback: number | undefined): number | undefined {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d{1,10}$/.test(raw) ? Number(raw) : raw;
  return parseOrThrow(widthSchema, value, 'INVALID_WIDTH');
}

/** An explicit `format` wins; otherwise the best of avif > webp > png the Accept header lists; default png. */
export function chooseFormat(raw: unknown, acceptHeader: string | undefined): ChosenFormat {
  if (raw !== undefined) return { format: parseOrThrow(formatSchema, raw, 'INVALID_FORMAT'), negotiated: false };
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
