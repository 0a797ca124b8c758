/** OpenAPI path entries of DESIGN §10 (tokens and Notify Token Updated), generated from the zod contracts. */
import { z } from 'zod';
import {
  mdesErrorAnswerSchema,
  MAX_NTU_TOKENS,
  ntuAckSchema,
  ntuPayloadSchema,
  ntuRequestSchema,
  postTokenBodySchema,
  tokenAnswerSchema,
  tokenCardArtQuerySchema,
} from './contracts/tokens.ts';

const json = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } });
const errorRef = { $ref: '#/components/responses/Error' };
const bearer = [{ bearerAuth: [] }];
const referenceParam = {
  name: 'tokenUniqueReference',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
};
const mdesError = (description: string) => ({ description, content: json(mdesErrorAnswerSchema) });

function notifyTokenUpdated(summary: string) {
  return {
    post: {
      summary,
      description:
        `Called by MDES (mutual TLS at the edge, NTU_ALLOWED_IPS). encryptedPayload decrypts (MDES_DECRYPTION_KEY) to ` +
        `${JSON.stringify(z.toJSONSchema(ntuPayloadSchema, { io: 'input' }))} with at most ${MAX_NTU_TOKENS} tokens. ` +
        'The same requestId again is acknowledged with the first answer; an older statusTimestamp does not overwrite.',
      requestBody: { required: true, content: json(ntuRequestSchema) },
      responses: {
        '200': { description: 'Acknowledged', content: json(ntuAckSchema) },
        '400': mdesError('Undecryptable (PAYLOAD_UNDECRYPTABLE) or malformed (INVALID_NOTIFICATION, INVALID_JSON, …): not retried'),
        '403': mdesError('NTU_CALLER_NOT_ALLOWED'),
        '413': mdesError('PAYLOAD_TOO_LARGE'),
        '501': mdesError('NOT_CONFIGURED: no MDES_DECRYPTION_KEY'),
        '503': mdesError('PREWARM_QUEUE_FULL or TOKEN_STORE_UNAVAILABLE, with Retry-After: retried'),
      },
    },
  };
}

export function tokenOpenApiPaths(): Record<string, unknown> {
  const card = { ...json(tokenAnswerSchema) };
  return {
    '/digitization/1/0/notifyTokenUpdated': notifyTokenUpdated('Notify Token Updated receiver'),
    '/digitization/static/1/0/notifyTokenUpdated': notifyTokenUpdated('Notify Token Updated receiver (static path)'),
    '/v1/tokens': {
      post: {
        summary: 'Record a token from a Tokenize or Get Token response',
        security: bearer,
        requestBody: { required: true, content: json(postTokenBodySchema) },
        responses: {
          '201': { description: 'Recorded (new token)', content: card },
          '200': { description: 'Recorded, or kept when the stored statusTimestamp is newer (applied: false)', content: card },
          '400': errorRef,
          '401': errorRef,
          '503': errorRef,
        },
      },
    },
    '/v1/tokens/{tokenUniqueReference}': {
      get: {
        summary: "A token's record and its immutable card art URL",
        security: bearer,
        parameters: [referenceParam],
        responses: { '200': { description: 'The record (Cache-Control: private, no-cache)', content: card }, '401': errorRef, '404': errorRef, '410': errorRef },
      },
    },
    '/v1/tokens/{tokenUniqueReference}/card-art': {
      get: {
        summary: "Redirect to the immutable /v1/card-art URL of the token's current art, with text=•••• NNNN",
        security: bearer,
        parameters: [
          referenceParam,
          ...Object.entries(z.toJSONSchema(tokenCardArtQuerySchema).properties ?? {}).map(([name, schema]) => ({ name, in: 'query', schema })),
        ],
        responses: {
          '302': { description: 'Location: /v1/card-art?… (Cache-Control: private, no-cache)' },
          '400': errorRef,
          '401': errorRef,
          '404': errorRef,
          '410': errorRef,
        },
      },
    },
  };
}
