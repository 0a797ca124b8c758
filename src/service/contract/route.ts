/**
 * Mounts an operation of the registry on an express router: path parameters, query and body are parsed with the
 * operation's zod schemas before the handler runs (one stage with a typed result, like next.js validateParams).
 */
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '../../core/schema-errors.ts';
import { CardArtError } from '../../errors.ts';
import { expressPath, type Operation } from './operation.ts';

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface OperationInput<O extends Operation> {
  params: Parsed<O['params']>;
  query: Parsed<O['query']>;
  body: O['body'] extends { schema: infer S } ? Parsed<S> : undefined;
}

/** How a query parameter travels: a comma list, a number, or one string. */
type WireForm = 'list' | 'number' | 'string';

const wireForms = new WeakMap<z.ZodType, Map<string, WireForm>>();

/** The wire form of each query parameter, read from the same input JSON Schema the document shows. */
function wireFormsOf(schema: z.ZodType): Map<string, WireForm> {
  let forms = wireForms.get(schema);
  if (!forms) {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { type?: unknown; enum?: unknown[] }> };
    forms = new Map(
      Object.entries(json.properties ?? {}).map(([name, property]) => {
        const numeric = property.type === 'number' || property.type === 'integer' || (property.enum?.every((v) => typeof v === 'number') ?? false);
        return [name, property.type === 'array' ? 'list' : numeric ? 'number' : 'string'];
      }),
    );
    wireForms.set(schema, forms);
  }
  return forms;
}

/**
 * Query strings into the values the schema describes (OpenAPI form style): `a,b` lists (also repeated), whole
 * numbers from digits only; any other parameter must be given once. Unknown parameters are dropped.
 */
export function decodeQuery(schema: z.ZodType, raw: Record<string, unknown>): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [name, form] of wireFormsOf(schema)) {
    const value = raw[name];
    if (value === undefined) continue;
    if (form === 'list') {
      const parts = Array.isArray(value) ? value : [value];
      decoded[name] = parts.flatMap((part) => String(part).split(',')).map((part) => part.trim()).filter((part) => part !== '');
      continue;
    }
    if (typeof value !== 'string') throw new CardArtError('INVALID_REQUEST', `${name} must be given once`);
    decoded[name] = form === 'number' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  }
  return decoded;
}

export function parseInput<O extends Operation>(op: O, req: Request): OperationInput<O> {
  return {
    params: op.params ? parseOrThrow(op.params, req.params, op.invalid?.params ?? 'INVALID_REQUEST') : undefined,
    query: op.query ? parseOrThrow(op.query, decodeQuery(op.query, req.query as Record<string, unknown>), op.invalid?.query ?? 'INVALID_REQUEST') : undefined,
    body: op.body ? parseOrThrow(op.body.schema, req.body, op.invalid?.body ?? 'INVALID_REQUEST', op.body.root) : undefined,
  } as OperationInput<O>;
}

/** Mounts `op` on `router`; the handler gets the parsed, typed input (a parse failure is the error it names). */
export function route<O extends Operation>(
  router: Router,
  op: O,
  handler: (input: OperationInput<O>, req: Request, res: Response) => Promise<void> | void,
): void {
  router[op.method](expressPath(op.path), async (req: Request, res: Response) => {
    await handler(parseInput(op, req), req, res);
  });
}
