/** The shape of one entry of the operation registry (operations.ts): everything the route and the document need. */
import type { z } from 'zod';
import { ERRORS, ERROR_CODES, type ErrorCode, type ErrorKind } from '../../errors.ts';

export type JsonSchema = Record<string, unknown>;

/** A code of the table, answered with its status, or `{ code, status }` with the code's `alsoStatus`. */
export type ErrorAnswer = ErrorCode | { code: ErrorCode; status: number };

export function errorStatus(answer: ErrorAnswer): { code: ErrorCode; status: number } {
  return typeof answer === 'string' ? { code: answer, status: ERRORS[answer].status } : answer;
}

export interface HeaderSpec {
  description: string;
  schema: JsonSchema;
  required?: boolean;
}

/** A JSON answer described by a zod schema (validated against in the conformance test). */
export interface JsonAnswer {
  description: string;
  json: z.ZodType;
  example: unknown;
  headers?: Record<string, HeaderSpec>;
}

/** Any other answer: images, text, HTML, or no body at all (304). */
export interface RawAnswer {
  description: string;
  content?: Record<string, { schema: JsonSchema; example?: unknown }>;
  headers?: Record<string, HeaderSpec>;
}

export type Answer = JsonAnswer | RawAnswer;

export interface Operation {
  operationId: string;
  method: 'get' | 'post';
  /** OpenAPI form, `/v1/assets/{assetId}`; the express route is derived from it. */
  path: string;
  tags: readonly [string, ...string[]];
  summary: string;
  description?: string;
  /** 'bearer': the operation needs `Authorization: Bearer <token>` (components.securitySchemes.bearer). */
  security: 'none' | 'bearer';
  /** Path parameters, query and JSON body; each parsed before the handler runs. */
  params?: z.ZodType;
  query?: z.ZodType;
  body?: { schema: z.ZodType; example: unknown; description: string; root?: string };
  /** The code of a parse issue whose schema names none (default INVALID_REQUEST), per request part. */
  invalid?: Partial<Record<'params' | 'query' | 'body', ErrorCode>>;
  /** Request headers the operation reads (documented only). */
  requestHeaders?: Record<string, HeaderSpec>;
  /** Success and other non-error answers by status. */
  answers: Readonly<Partial<Record<200 | 201 | 202 | 302 | 304 | 503, Answer>>>;
  /** Every code this operation can answer; the document lists them per status. */
  errors: readonly ErrorAnswer[];
  /**
   * The body of its error answers: card-art's `{"error":{code,message}}` (default), or MDES's own shape for the
   * endpoints MDES calls (Notify Token Updated), with the code in `errorCode`.
   */
  errorShape?: 'card-art' | 'mdes';
}

/** The express route of an OpenAPI path: `/v1/assets/{assetId}` → `/v1/assets/:assetId`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The table's codes of some kinds that a client can be answered (internal-only codes left out). */
export function codesOfKinds(...kinds: ErrorKind[]): ErrorCode[] {
  return ERROR_CODES.filter((code) => kinds.includes(ERRORS[code].kind) && !('internalOnly' in ERRORS[code]));
}

/**
 * Codes any request can meet: the URL and query bounds hold for every route, a body is parsed as JSON on every
 * route, and a fault of ours is always possible.
 */
export const ANY_REQUEST_CODES: readonly ErrorCode[] = [
  'URI_TOO_LONG',
  'TOO_MANY_QUERY_KEYS',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  ...codesOfKinds('internal'),
];
/** Answered on the rate-limited paths (RATE_LIMIT_PER_MINUTE). */
export const RATE_LIMIT_CODES: readonly ErrorCode[] = ['RATE_LIMITED'];
