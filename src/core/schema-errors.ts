/**
 * Turns a failed zod parse into the CardArtError of the table. Schemas name their code in their own `error`
 * option, as `CODE` or `CODE: detail` (see `coded`); an issue without one falls back to `fallback`.
 */
import type { z } from 'zod';
import { CardArtError, ERRORS, isErrorCode, type ErrorCode } from '../errors.ts';

/** The zod `error` option that makes every issue of a schema answer `code` (optionally with a detail). */
export function coded(code: ErrorCode, detail?: (input: unknown) => string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (detail ? `${code}: ${detail(issue.input)}` : code) };
}

/** Where an issue sits, for the message: `productConfig.issuerLogoAssetId`, `productConfigs[1]`. */
function pathLabel(path: readonly PropertyKey[], root: string | undefined): string {
  let label = root ?? '';
  for (const key of path) label += typeof key === 'number' ? `[${key}]` : label === '' ? String(key) : `.${String(key)}`;
  return label;
}

export function errorFromIssues(error: z.ZodError, fallback: ErrorCode, root?: string): CardArtError {
  const issue = error.issues[0];
  const [head = '', ...rest] = (issue?.message ?? '').split(': ');
  const code = isErrorCode(head) ? head : fallback;
  const message = isErrorCode(head) && rest.length > 0 ? rest.join(': ') : ERRORS[code].message;
  const where = pathLabel(issue?.path ?? [], root);
  const lastKey = String(issue?.path.at(-1) ?? '');
  // "width must be one of …" already names its field; "asset IDs are …" needs "cardBackgroundAssetId: " in front.
  const named = where === '' || (lastKey !== '' && message.startsWith(lastKey)) ? message : `${where}: ${message}`;
  return new CardArtError(code, named, { cause: error });
}

/** Parses `input` with `schema`; a failure is the CardArtError its issue names. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, fallback: ErrorCode, root?: string): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw errorFromIssues(parsed.error, fallback, root);
  return parsed.data;
}
