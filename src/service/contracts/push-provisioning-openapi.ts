/** The OpenAPI path items of the provisioning endpoints, generated from their zod contract so they cannot drift. */
import { z } from 'zod';
import {
  noEligibleAccountsErrorSchema,
  pullProvisioningQuerySchema,
  pullProvisioningResponseSchema,
  pullReturnUrlQuerySchema,
  pullReturnUrlResponseSchema,
  pushProvisioningRequestSchema,
  pushProvisioningResponseSchema,
  pushResultsResponseSchema,
} from './push-provisioning.ts';

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  // Embedded in an OpenAPI 3.1 document, whose dialect is already JSON Schema 2020-12.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema: jsonSchema(schema) } } });
const errorRef = { $ref: '#/components/responses/Error' };
const security = [{ bearerAuth: [] }];

function queryParameters(schema: z.ZodObject): unknown[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: !(field as z.ZodType).safeParse(undefined).success,
    schema: jsonSchema(field as z.ZodType),
  }));
}

export function pushProvisioningOpenApiPaths(): Record<string, unknown> {
  return {
    '/v1/push-provisioning': {
      post: {
        summary: 'Push cards to a token requestor: pushMultipleAccounts receipts and the redirect URL (MDES Token Connect)',
        security,
        requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(pushProvisioningRequestSchema) } } },
        responses: {
          '200': json(pushProvisioningResponseSchema, 'Receipts for the eligible cards and where to send the cardholder'),
          '400': errorRef,
          '401': errorRef,
          '422': json(noEligibleAccountsErrorSchema, 'NO_ELIGIBLE_ACCOUNTS'),
          '501': errorRef,
          '502': errorRef,
          '504': errorRef,
        },
      },
    },
    '/v1/push-provisioning/results': {
      get: {
        summary: 'Read the results[<receipt>]=<STATUS>|<tokenUniqueReference> the requestor appended to callbackURL',
        security,
        parameters: [{ name: 'results[<pushAccountReceipt>]', in: 'query', schema: { type: 'string' }, description: 'One per receipt, 1 to 5' }],
        responses: { '200': json(pushResultsResponseSchema, 'One result per receipt'), '400': errorRef, '401': errorRef },
      },
    },
    '/v1/pull-provisioning': {
      get: {
        summary: 'Pull provisioning entered from a requestor: who is asking',
        security,
        parameters: queryParameters(pullProvisioningQuerySchema),
        responses: { '200': json(pullProvisioningResponseSchema, 'The requestor'), '400': errorRef, '401': errorRef, '404': errorRef },
      },
    },
    '/v1/pull-provisioning/return-url': {
      get: {
        summary: 'Where to send the cardholder back to the requestor (cancelled or failed)',
        security,
        parameters: queryParameters(pullReturnUrlQuerySchema),
        responses: { '200': json(pullReturnUrlResponseSchema, 'The URL'), '400': errorRef, '401': errorRef, '404': errorRef },
      },
    },
  };
}
