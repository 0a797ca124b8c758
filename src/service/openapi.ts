/**
 * /openapi.json, generated from the operation registry and its zod schemas (z.toJSONSchema): never typed by hand,
 * so the document says what the routes parse. OpenAPI 3.1, whose schemas are JSON Schema 2020-12.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../errors.ts';
import { errorStatus, type Answer, type ErrorAnswer, type HeaderSpec, type JsonSchema, type Operation } from './contract/operation.ts';
import { operations } from './contract/operations.ts';

const TAGS = [
  { name: 'images', description: 'Card images and single assets, cached forever by asset ID' },
  { name: 'token-connect', description: 'MDES Token Connect requestors and their logos' },
  { name: 'cache', description: 'Pre-warming the asset cache' },
  { name: 'provisioning', description: 'Push and pull provisioning (MDES Token Connect, issuer side)' },
  { name: 'tokens', description: 'Token records, card art by token, and the Notify Token Updated receiver MDES calls' },
  { name: 'operations', description: 'Health, readiness, metrics and this document' },
  { name: 'demo', description: 'The demo page and its data' },
];

const COMPONENT_REF = '#/components/schemas/';
const TO_JSON_SCHEMA = { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' } as const;
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** One zod schema as JSON Schema; named sub-schemas (`.meta({ id })`) become references to components.schemas. */
function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const generated = z.toJSONSchema(schema, TO_JSON_SCHEMA) as JsonSchema;
  delete generated.$schema;
  delete generated.$defs;
  return JSON.parse(JSON.stringify(generated).replaceAll('"#/$defs/', `"${COMPONENT_REF}`)) as JsonSchema;
}

/** Every named schema (ProductConfig, Error, …) once, under components.schemas. */
function componentSchemas(): Record<string, JsonSchema> {
  const all = z.toJSONSchema(z.globalRegistry, { ...TO_JSON_SCHEMA, uri: (id) => `${COMPONENT_REF}${id}` }) as { schemas: Record<string, JsonSchema> };
  const schemas: Record<string, JsonSchema> = {};
  for (const [id, schema] of Object.entries(all.schemas).sort(([a], [b]) => a.localeCompare(b))) {
    delete schema.$schema;
    delete schema.$id;
    schemas[id] = schema;
  }
  return schemas;
}

function headers(specs: Record<string, HeaderSpec> | undefined): Record<string, unknown> | undefined {
  if (!specs) return undefined;
  return Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [name, { description: spec.description, schema: spec.schema, ...(spec.required ? { required: true } : {}) }]),
  );
}

function answer(spec: Answer): Record<string, unknown> {
  const content =
    'json' in spec
      ? { 'application/json': { schema: jsonSchemaOf(spec.json), example: spec.example } }
      : spec.content;
  return { description: spec.description, ...(headers(spec.headers) ? { headers: headers(spec.headers) } : {}), ...(content ? { content } : {}) };
}

/** One error answer per status, its `code` an enum of exactly the codes this operation can answer with it. */
function errorAnswers(declared: readonly ErrorAnswer[], shape: 'card-art' | 'mdes' = 'card-art'): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const { code, status } of declared.map(errorStatus)) {
    const list = byStatus.get(status) ?? [];
    if (!list.includes(code)) byStatus.set(status, [...list, code]);
  }
  const answers: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const first = list[0]!;
    answers[String(status)] = {
      description: list.map((code) => `${code}: ${ERRORS[code].message}`).join('; '),
      headers: {
        'Cache-Control': { description: 'Errors are never cached', schema: { type: 'string', const: 'no-store' } },
        ...(status === 429 || status === 503 ? { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } } : {}),
      },
      content: { 'application/json': shape === 'mdes' ? mdesErrorContent(list) : cardArtErrorContent(list) },
    };
  }
  return answers;
}

function cardArtErrorContent(list: ErrorCode[]): Record<string, unknown> {
  const first = list[0]!;
  return {
    schema: {
      allOf: [{ $ref: `${COMPONENT_REF}Error` }, { properties: { error: { properties: { code: { enum: list }, message: { type: 'string' } } } } }],
    },
    example: { error: { code: first, message: ERRORS[first].message } },
  };
}

function defaultAnswer(shape: 'card-art' | 'mdes' = 'card-art'): Record<string, unknown> {
  return {
    description: 'Any status not listed: an error in the same shape',
    content: { 'application/json': { schema: { $ref: `${COMPONENT_REF}${shape === 'mdes' ? 'MdesError' : 'Error'}` } } },
  };
}

/** MDES's error shape (the code in errorCode), for the endpoints MDES itself calls. */
function mdesErrorContent(list: ErrorCode[]): Record<string, unknown> {
  const first = list[0]!;
  const text = { type: 'string' };
  return {
    schema: {
      allOf: [
        { $ref: `${COMPONENT_REF}MdesError` },
        { properties: { errorCode: { enum: list }, errorDescription: text, responseHost: text, responseId: text, errors: { type: 'array' } } },
      ],
    },
    example: {
      errorCode: first,
      errorDescription: ERRORS[first].message,
      responseHost: 'card-art.gateway.example',
      responseId: '4b1c6a52-8f0e-4a55-9c43-2f5f1e0b7d11',
      errors: [{ source: 'INPUT', errorCode: first, description: ERRORS[first].message, reasonCode: first, recoverable: ERRORS[first].status >= 500 }],
    },
  };
}

/** Query and path parameters from the input JSON Schema of the operation's zod schemas. */
function parameters(op: Operation): unknown[] {
  const list: unknown[] = [];
  for (const [where, schema] of [['path', op.params], ['query', op.query]] as const) {
    if (!schema) continue;
    const object = jsonSchemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, examples, ...rest } = property as JsonSchema & { description?: string; examples?: unknown[] };
      const isList = rest.type === 'array';
      list.push({
        name,
        in: where,
        ...(where === 'path' || object.required?.includes(name) ? { required: true } : {}),
        description: description ?? name,
        schema: rest,
        ...(isList ? { style: 'form', explode: false } : {}),
        ...(examples?.[0] !== undefined ? { example: examples[0] } : {}),
      });
    }
  }
  for (const [name, spec] of Object.entries(op.requestHeaders ?? {})) {
    list.push({ name, in: 'header', description: spec.description, schema: spec.schema });
  }
  return list;
}

function operationObject(op: Operation): Record<string, unknown> {
  const params = parameters(op);
  const success = Object.fromEntries(Object.entries(op.answers).map(([status, spec]) => [status, answer(spec as Answer)]));
  return {
    operationId: op.operationId,
    tags: [...op.tags],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: op.security === 'bearer' ? [{ bearer: [] }] : [],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            description: op.body.description,
            content: { 'application/json': { schema: jsonSchemaOf(op.body.schema), example: op.body.example } },
          },
        }
      : {}),
    responses: {
      ...success,
      ...errorAnswers(op.errors, op.errorShape),
      // An operation whose only success is a redirect: every other status is one of the errors listed.
      ...(Object.keys(op.answers).some((status) => status.startsWith('2')) ? {} : { default: defaultAnswer(op.errorShape) }),
    },
  };
}

/** The OpenAPI 3.1 document of every operation in the registry (served at /openapi.json). */
export function buildOpenApiDocument(registry: Record<string, Operation> = operations): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of Object.values(registry)) {
    paths[op.path] = { ...paths[op.path], [op.method]: operationObject(op) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'card-art',
      version: PACKAGE_VERSION,
      description:
        'Turns Mastercard MDES productConfig asset IDs into finished 1536×969 card images, cached forever by asset ID. ' +
        'Errors are always {"error":{"code","message"}}; each operation lists the codes it can answer.',
      license: { name: 'Proprietary: all rights reserved', identifier: 'LicenseRef-card-art-proprietary' },
    },
    // Relative: the instance that served this document (npm start listens on http://localhost:8080).
    servers: [{ url: '/', description: 'The instance that served this document' }],
    tags: TAGS,
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A bearer token the service accepts, for the operations that name this scheme' },
      },
    },
  };
}
