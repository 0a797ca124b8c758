import { ASSET_ID_PATTERN } from '../core/asset-id.ts';
import { ALLOWED_WIDTHS } from '../core/card-render-types.ts';
import { DEFAULT_REQUESTOR_LOGO_SIZE, REQUESTOR_LOGO_SIZES } from './requestor-logos.ts';
import { MAX_PRODUCT_CONFIGS } from './routes/product-config-routes.ts';
import { pushProvisioningOpenApiPaths } from './contracts/push-provisioning-openapi.ts';
import { tokenOpenApiPaths } from './openapi-tokens.ts';

const ASSET_ID = { type: 'string', pattern: ASSET_ID_PATTERN.source };
const errorRef = { $ref: '#/components/responses/Error' };
const imageHeaders = {
  ETag: { schema: { type: 'string' }, description: 'Strong tag; the image behind it never changes' },
  'Cache-Control': { schema: { type: 'string', const: 'public, max-age=31536000, immutable' } },
  Vary: { schema: { type: 'string' }, description: '`Accept` when the format was negotiated' },
};
const imageContent = Object.fromEntries(
  ['image/png', 'image/webp', 'image/avif'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }]),
);
const imageResponses = {
  '200': { description: 'The image', headers: imageHeaders, content: imageContent },
  '304': { description: 'Not modified (If-None-Match matched)', headers: imageHeaders },
  '400': errorRef,
  '404': errorRef,
  '414': errorRef,
  '422': errorRef,
  '429': errorRef,
  '502': errorRef,
  '503': errorRef,
  '504': errorRef,
};
const widthParam = {
  name: 'width',
  in: 'query',
  schema: { type: 'integer', enum: [...ALLOWED_WIDTHS] },
  description: 'Output width; height keeps the aspect ratio. Else 400 INVALID_WIDTH.',
};
const formatParam = {
  name: 'format',
  in: 'query',
  schema: { type: 'string', enum: ['png', 'webp', 'avif'] },
  description: 'Else negotiated from Accept (avif > webp > png, only when listed), default png. Else 400 INVALID_FORMAT.',
};
const productConfigFields = {
  cardBackgroundCombinedAssetId: ASSET_ID,
  cardBackgroundAssetId: ASSET_ID,
  brandLogoAssetId: ASSET_ID,
  issuerLogoAssetId: ASSET_ID,
  coBrandLogoAssetId: ASSET_ID,
  iconAssetId: ASSET_ID,
  foregroundColor: { type: 'string', pattern: '^[0-9a-fA-F]{6}$' },
  isCoBranded: { oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] },
};
const textSchema = { type: 'string', maxLength: 32, description: 'Printable text drawn in the text area, e.g. "•••• 1234"' };

/** OpenAPI 3.1 description of every endpoint (served at /openapi.json). */
export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'card-art',
      version: '0.1.0',
      description: 'Turns Mastercard MDES productConfig asset IDs into finished 1536×969 card images.',
    },
    paths: {
      ...tokenOpenApiPaths(),
      '/v1/card-art': {
        get: {
          summary: 'Render a card from productConfig fields',
          parameters: [
            ...Object.entries(productConfigFields).map(([name, schema]) => ({ name, in: 'query', schema })),
            { name: 'text', in: 'query', schema: textSchema },
            { ...widthParam, schema: { ...widthParam.schema, default: 1536 } },
            formatParam,
          ],
          responses: imageResponses,
        },
        post: {
          summary: 'Render a card from a productConfig object',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['productConfig'],
                  properties: {
                    productConfig: { $ref: '#/components/schemas/ProductConfig' },
                    text: textSchema,
                    width: widthParam.schema,
                    format: formatParam.schema,
                  },
                },
              },
            },
          },
          responses: { ...imageResponses, '413': errorRef },
        },
      },
      '/v1/assets/{assetId}': {
        get: {
          summary: 'One MDES asset as a raster image (natural aspect)',
          parameters: [{ name: 'assetId', in: 'path', required: true, schema: ASSET_ID }, widthParam, formatParam],
          responses: imageResponses,
        },
      },
      '/v1/token-requestors': {
        get: {
          summary: 'Eligible token requestors for account ranges (cached, refreshed every TOKEN_REQUESTORS_REFRESH_HOURS)',
          parameters: [
            {
              name: 'accountRanges',
              in: 'query',
              required: true,
              description: '1–25 ranges of 9–19 digits, comma separated or repeated',
              schema: { type: 'array', items: { type: 'string', pattern: '^[0-9]{9,19}$' }, minItems: 1, maxItems: 25 },
              style: 'form',
              explode: false,
            },
          ],
          responses: {
            '200': {
              description: 'The list',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      fetchedAt: { type: 'string', format: 'date-time' },
                      tokenRequestors: { type: 'array', items: { $ref: '#/components/schemas/TokenRequestor' } },
                    },
                  },
                },
              },
            },
            '400': errorRef,
            '429': errorRef,
            '502': errorRef,
            '503': errorRef,
            '504': errorRef,
          },
        },
      },
      '/v1/token-requestor-assets/{assetId}': {
        get: {
          summary: 'A token requestor logo',
          parameters: [
            { name: 'assetId', in: 'path', required: true, schema: ASSET_ID },
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['png', 'svg'], default: 'png' } },
            {
              name: 'size',
              in: 'query',
              schema: { type: 'integer', enum: [...REQUESTOR_LOGO_SIZES], default: DEFAULT_REQUESTOR_LOGO_SIZE },
              description: 'PNG only: the logo fits size × size. Else 400 INVALID_SIZE.',
            },
          ],
          responses: {
            ...imageResponses,
            '200': {
              description: 'The logo; SVG is served only when it passes the safety check, with a restrictive CSP',
              headers: imageHeaders,
              content: { 'image/png': imageContent['image/png'], 'image/svg+xml': { schema: { type: 'string' } } },
            },
          },
        },
      },
      '/v1/product-configs': {
        post: {
          summary: 'Pre-fetch and cache the assets of productConfigs (e.g. from Notify Token Updated)',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [
                    { $ref: '#/components/schemas/ProductConfig' },
                    { type: 'array', items: { $ref: '#/components/schemas/ProductConfig' }, minItems: 1, maxItems: MAX_PRODUCT_CONFIGS },
                  ],
                },
              },
            },
          },
          responses: {
            '202': {
              description: 'Asset IDs queued for a background fetch, and those already cached',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      queued: { type: 'array', items: ASSET_ID },
                      alreadyCached: { type: 'array', items: ASSET_ID },
                    },
                  },
                },
              },
            },
            '400': errorRef,
            '413': errorRef,
            '429': errorRef,
            '503': errorRef,
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: '{"status":"ok"}' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: 200 while this instance can serve; MDES and the cache store reported as ok / degraded',
          responses: {
            '200': { description: 'Ready; checks.upstream, checks.cache, checks.renderer each {"status":"ok"|"degraded"}' },
            '503': { description: 'Draining (shutting down) or the renderer is down' },
          },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition format' } } },
      },
      '/': { get: { summary: 'Demo page', responses: { '200': { description: 'HTML' } } } },
      ...pushProvisioningOpenApiPaths(),
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API_TOKENS; open when unset (embedded simulator)' } },
      schemas: {
        ProductConfig: { type: 'object', properties: productConfigFields, additionalProperties: true },
        TokenRequestor: {
          type: 'object',
          properties: {
            tokenRequestorId: { type: 'string' },
            name: { type: 'string' },
            consumerFacingEntityName: { type: 'string' },
            imageAssetId: { type: 'string' },
            tokenRequestorType: { type: 'string', enum: ['WALLET', 'MERCHANT'] },
            enabledAccountRanges: { type: 'array', items: { type: 'string' } },
            supportedPushMethods: { type: 'array', items: { type: 'string' } },
            availablePushMethods: {
              type: 'array',
              items: { type: 'object', properties: { type: { type: 'string' }, uri: { type: 'string' } } },
            },
            logoUrl: { type: 'string', description: '/v1/token-requestor-assets/{imageAssetId}' },
          },
        },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', examples: ['INVALID_WIDTH', 'ASSET_NOT_FOUND', 'RENDER_QUEUE_FULL'] },
                message: { type: 'string' },
              },
            },
          },
        },
      },
      responses: {
        Error: {
          description: 'An error; 503 and some 429/5xx carry Retry-After',
          headers: { 'Retry-After': { schema: { type: 'integer' } } },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
  };
}
