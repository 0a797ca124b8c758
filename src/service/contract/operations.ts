/**
 * The operation registry: one entry per endpoint. Routes parse with its schemas (route.ts) and /openapi.json is
 * generated from it (openapi.ts), so the two cannot drift. How to add an endpoint: see README.md beside this file.
 */
import { CARD_HEIGHT, CARD_WIDTH } from '../../core/card-render-types.ts';
import type { ErrorCode } from '../../errors.ts';
import { ANY_REQUEST_CODES, codesOfKinds, RATE_LIMIT_CODES, type Answer, type ErrorAnswer, type HeaderSpec, type Operation } from './operation.ts';
import {
  assetPathSchema,
  assetQuerySchema,
  cardArtBodySchema,
  cardArtQuerySchema,
  healthSchema,
  prewarmResultSchema,
  productConfigsBodySchema,
  readinessSchema,
  requestorAssetQuerySchema,
  tokenRequestorListSchema,
  tokenRequestorsQuerySchema,
} from './schemas.ts';
import { z } from 'zod';
import {
  pullProvisioningQuerySchema,
  pullProvisioningResponseSchema,
  pullReturnUrlQuerySchema,
  pullReturnUrlResponseSchema,
  pushProvisioningRequestSchema,
  pushProvisioningResponseSchema,
  pushResultsResponseSchema,
  PUSH_RULE_CODES,
} from './push-provisioning-schemas.ts';
import {
  ntuAckSchema,
  ntuRequestSchema,
  postTokenBodySchema,
  tokenAnswerSchema,
  tokenCardArtQuerySchema,
  tokenPathParamsSchema,
} from './token-schemas.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';

const imageHeaders: Record<string, HeaderSpec> = {
  ETag: { description: 'Strong tag; the image behind it never changes', schema: { type: 'string' }, required: true },
  'Cache-Control': { description: 'Cached forever', schema: { type: 'string', const: IMMUTABLE }, required: true },
  Vary: { description: '`Accept` when the format was negotiated', schema: { type: 'string', const: 'Accept' } },
};
const binary = (example?: string) => ({ schema: { type: 'string', contentMediaType: 'application/octet-stream' }, ...(example ? { example } : {}) });
const rasterContent = { 'image/png': binary(), 'image/webp': binary(), 'image/avif': binary() };

const imageAnswers = (description: string, content: Record<string, { schema: Record<string, unknown> }> = rasterContent) =>
  ({
    200: { description, headers: { ...imageHeaders, 'Content-Length': { description: 'Bytes of the image', schema: { type: 'integer' }, required: true } }, content },
    304: { description: 'Not modified: If-None-Match matched the current tag', headers: imageHeaders },
  }) satisfies Record<number, Answer>;

const conditionalHeaders: Record<string, HeaderSpec> = {
  'If-None-Match': { description: 'A tag from an earlier answer: 304 when it still matches (lists, W/ and * handled)', schema: { type: 'string' } },
};
const negotiationHeaders: Record<string, HeaderSpec> = {
  ...conditionalHeaders,
  Accept: { description: 'Picks avif > webp > png (only types listed explicitly) when format is absent', schema: { type: 'string' } },
};

/** Rendering anything from MDES assets: bad assets, MDES trouble, a full queue, a rate limit. */
const RENDER_CODES: readonly ErrorCode[] = [
  ...codesOfKinds('bad-asset').filter((code) => code !== 'SVG_NOT_AVAILABLE'),
  ...codesOfKinds('upstream'),
  'RATE_LIMITED',
  'RENDER_CLIENT_LIMIT',
  'RENDER_QUEUE_FULL',
  'RENDER_QUEUE_TIMEOUT',
  'RENDER_POOL_CLOSED',
  'UPSTREAM_BUSY',
];

const CARD_INPUT_CODES: readonly ErrorCode[] = [
  'INVALID_ASSET_ID',
  'INVALID_PRODUCT_CONFIG',
  'MISSING_BACKGROUND',
  'INVALID_FOREGROUND_COLOR',
  'INVALID_TEXT',
  'INVALID_WIDTH',
  'INVALID_FORMAT',
  'INVALID_REQUEST',
];

const jsonNoStore = { 'Cache-Control': { description: 'Never cached', schema: { type: 'string', const: 'no-store' } } };

/** The rules of a push request, checked before MDES is called. */
const PUSH_INPUT_CODES: readonly ErrorCode[] = ['INVALID_REQUEST', ...PUSH_RULE_CODES, 'UNAUTHORIZED'];
/** Finding the requestor (Token Connect) and calling pushMultipleAccounts. */
const PROVISIONING_UPSTREAM_CODES: readonly ErrorCode[] = [...codesOfKinds('upstream').filter((code) => code !== 'ASSET_NOT_FOUND'), 'UPSTREAM_BUSY'];
/** Pull provisioning: an unknown requestor is a 404 there. */
const PULL_CODES: readonly ErrorAnswer[] = [
  'INVALID_REQUEST',
  'INVALID_LOCALE',
  'PUSH_METHOD_UNAVAILABLE',
  { code: 'UNKNOWN_TOKEN_REQUESTOR', status: 404 },
  'UNAUTHORIZED',
  ...PROVISIONING_UPSTREAM_CODES,
  ...RATE_LIMIT_CODES,
];

/** What parseProductConfig can refuse in a productConfig carried by a token. */
const PRODUCT_CONFIG_CODES: readonly ErrorCode[] = ['INVALID_ASSET_ID', 'INVALID_PRODUCT_CONFIG', 'MISSING_BACKGROUND', 'INVALID_FOREGROUND_COLOR', 'INVALID_REQUEST'];
/** Reading one token record by its reference (bearer auth first). */
const TOKEN_LOOKUP_CODES: readonly ErrorCode[] = ['INVALID_TOKEN_REFERENCE', 'INVALID_REQUEST', 'UNAUTHORIZED', 'TOKEN_NOT_FOUND', 'TOKEN_DEACTIVATED', 'TOKEN_STORE_UNAVAILABLE'];

const TOKEN_EXAMPLE = {
  tokenUniqueReference: 'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45',
  status: 'ACTIVE',
  productConfig: { cardBackgroundAssetId: 'bg-blue' },
  accountPanSuffix: '4242',
  statusTimestamp: '2026-11-24T10:00:00.000Z',
  updatedAt: '2026-11-24T10:00:01.000Z',
  cardArtUrl: '/v1/card-art?cardBackgroundAssetId=bg-blue&text=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2+4242',
};

/** The receiver MDES calls, at its two paths; errors in MDES's own shape, since MDES reads them. */
function notifyTokenUpdatedOperations() {
  const operation = (operationId: string, path: string) =>
    ({
      operationId,
      method: 'post',
      path,
      tags: ['tokens'],
      summary: `Notify Token Updated receiver (${path.includes('/static/') ? 'static path' : 'production path'})`,
      description:
        'Called by MDES (mutual TLS at the edge, NTU_ALLOWED_IPS, NTU_RATE_LIMIT_PER_SECOND per client; no bearer token). encryptedPayload ' +
        'decrypts (MDES_DECRYPTION_KEY, named by publicKeyFingerprint) to {"tokens":[…]} with 1–100 tokens. The same requestId or the same ' +
        'payload again is acknowledged with the first answer; an older statusTimestamp does not overwrite, nor does an update without one. ' +
        'Every 503 carries Retry-After and comes before anything is written.',
      security: 'none',
      body: {
        schema: ntuRequestSchema,
        description: 'The notification as MDES sends it',
        example: {
          requestId: '123456',
          responseHost: 'site.mdes.mastercard.com',
          encryptedPayload: { encryptedData: '4545433044323232'.repeat(4), iv: '3dfa2c8a1b0d4e5f6a7b8c9d0e1f2a3b', encryptedKey: 'a1b2c3d4'.repeat(64), publicKeyFingerprint: '3b2f6a1e9c4d7b8a0f5e2d1c6b9a8f7e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a', oaepHashingAlgorithm: 'SHA512' },
        },
      },
      answers: { 200: { description: 'Acknowledged', json: ntuAckSchema, example: { responseHost: 'card-art.gateway.example', responseId: '4b1c6a52-8f0e-4a55-9c43-2f5f1e0b7d11' } } },
      errors: [
        'INVALID_NOTIFICATION',
        'PAYLOAD_UNDECRYPTABLE',
        'STATUS_TIMESTAMP_IN_FUTURE',
        ...PRODUCT_CONFIG_CODES,
        'NTU_CALLER_NOT_ALLOWED',
        'NOT_CONFIGURED',
        { code: 'RATE_LIMITED', status: 503 },
        'NTU_KEY_UNKNOWN',
        'NTU_OVERLOADED',
        'PREWARM_QUEUE_FULL',
        'PREWARM_UNAVAILABLE',
        'TOKEN_STORE_UNAVAILABLE',
        ...ANY_REQUEST_CODES,
      ],
      errorShape: 'mdes',
    }) as const satisfies Operation;
  return {
    notifyTokenUpdated: operation('notifyTokenUpdated', '/digitization/1/0/notifyTokenUpdated'),
    notifyTokenUpdatedStatic: operation('notifyTokenUpdatedStatic', '/digitization/static/1/0/notifyTokenUpdated'),
  };
}

export const operations = {
  getCardArt: {
    operationId: 'getCardArt',
    method: 'get',
    path: '/v1/card-art',
    tags: ['images'],
    summary: 'Render a card from productConfig fields',
    description: `Query names are the productConfig field names, so a productConfig passes through unchanged. cardBackgroundAssetId or cardBackgroundCombinedAssetId is required (else 400 MISSING_BACKGROUND). The card is ${CARD_WIDTH}×${CARD_HEIGHT} at full width.`,
    security: 'none',
    query: cardArtQuerySchema,
    requestHeaders: negotiationHeaders,
    answers: imageAnswers('The composed card'),
    errors: [...CARD_INPUT_CODES, ...RENDER_CODES, ...ANY_REQUEST_CODES],
  },
  postCardArt: {
    operationId: 'postCardArt',
    method: 'post',
    path: '/v1/card-art',
    tags: ['images'],
    summary: 'Render a card from a productConfig object',
    description: 'The same image as GET /v1/card-art (the same ETag), from a JSON body of at most 64 kB.',
    security: 'none',
    body: {
      schema: cardArtBodySchema,
      description: 'A productConfig as MDES sends it, with optional text, width and format',
      example: { productConfig: { cardBackgroundCombinedAssetId: 'combined-card', foregroundColor: '000000' }, text: '•••• 1234', format: 'webp' },
    },
    requestHeaders: negotiationHeaders,
    answers: imageAnswers('The composed card'),
    errors: [...CARD_INPUT_CODES, ...RENDER_CODES, ...ANY_REQUEST_CODES],
  },
  getAsset: {
    operationId: 'getAsset',
    method: 'get',
    path: '/v1/assets/{assetId}',
    tags: ['images'],
    summary: 'One MDES asset as a raster image (natural aspect)',
    security: 'none',
    params: assetPathSchema,
    query: assetQuerySchema,
    requestHeaders: negotiationHeaders,
    answers: imageAnswers('The asset, rasterized'),
    errors: ['INVALID_ASSET_ID', 'INVALID_WIDTH', 'INVALID_FORMAT', 'INVALID_REQUEST', ...RENDER_CODES, ...ANY_REQUEST_CODES],
  },
  listTokenRequestors: {
    operationId: 'listTokenRequestors',
    method: 'get',
    path: '/v1/token-requestors',
    tags: ['token-connect'],
    summary: 'Eligible token requestors for account ranges',
    description: 'Cached per set of ranges and refreshed every TOKEN_REQUESTORS_REFRESH_HOURS (served stale while refreshing).',
    security: 'none',
    query: tokenRequestorsQuerySchema,
    answers: {
      200: {
        description: 'The list, each requestor with its logoUrl',
        json: tokenRequestorListSchema,
        example: {
          fetchedAt: '2026-11-24T10:00:00.000Z',
          tokenRequestors: [{ tokenRequestorId: '50110030273', name: 'Demo Pay', imageAssetId: 'logo-wallet', tokenRequestorType: 'WALLET', logoUrl: '/v1/token-requestor-assets/logo-wallet' }],
        },
        headers: { 'Cache-Control': { description: 'Browsers may reuse the list for an hour', schema: { type: 'string' } } },
      },
    },
    errors: ['INVALID_ACCOUNT_RANGES', 'INVALID_REQUEST', 'UPSTREAM_BUSY', ...codesOfKinds('upstream').filter((code) => code !== 'ASSET_NOT_FOUND'), ...RATE_LIMIT_CODES, ...ANY_REQUEST_CODES],
  },
  getTokenRequestorAsset: {
    operationId: 'getTokenRequestorAsset',
    method: 'get',
    path: '/v1/token-requestor-assets/{assetId}',
    tags: ['token-connect'],
    summary: 'A token requestor logo',
    security: 'none',
    params: assetPathSchema,
    query: requestorAssetQuerySchema,
    requestHeaders: conditionalHeaders,
    answers: imageAnswers('The logo; an SVG comes with a Content-Security-Policy that lets it run, load and embed nothing', {
      'image/png': binary(),
      'image/svg+xml': { schema: { type: 'string' } },
    }),
    errors: ['INVALID_ASSET_ID', 'INVALID_FORMAT', 'INVALID_SIZE', 'INVALID_REQUEST', 'SVG_NOT_AVAILABLE', ...RENDER_CODES, ...ANY_REQUEST_CODES],
  },
  prewarmProductConfigs: {
    operationId: 'prewarmProductConfigs',
    method: 'post',
    path: '/v1/product-configs',
    tags: ['cache'],
    summary: 'Fetch and cache the assets of productConfigs (e.g. from Notify Token Updated)',
    description: 'Every asset ID not seen before is fetched in the background.',
    security: 'none',
    body: {
      schema: productConfigsBodySchema,
      description: 'One productConfig or an array of 1 to 100',
      example: [{ cardBackgroundAssetId: 'bg-blue', issuerLogoAssetId: 'issuer-bank', brandLogoAssetId: 'brand-circles' }],
      root: 'productConfigs',
    },
    answers: {
      202: { description: 'Queued for a background fetch', json: prewarmResultSchema, example: { queued: ['bg-blue'], alreadyCached: ['issuer-bank'] } },
    },
    errors: ['INVALID_ASSET_ID', 'INVALID_PRODUCT_CONFIG', 'MISSING_BACKGROUND', 'INVALID_FOREGROUND_COLOR', 'INVALID_REQUEST', 'PREWARM_QUEUE_FULL', ...RATE_LIMIT_CODES, ...ANY_REQUEST_CODES],
  },
  ...notifyTokenUpdatedOperations(),
  postToken: {
    operationId: 'postToken',
    method: 'post',
    path: '/v1/tokens',
    tags: ['tokens'],
    summary: 'Record a token from a Tokenize or Get Token response',
    description:
      'Applied unless the stored statusTimestamp is later, or the body has none and the record has one; a statusTimestamp more than ' +
      '5 minutes ahead is refused. Only the last four digits of a card or token number are accepted. Rate-limited per client (RATE_LIMIT_PER_MINUTE).',
    security: 'bearer',
    invalid: { body: 'INVALID_TOKEN' },
    body: {
      schema: postTokenBodySchema,
      description: 'The token as MDES answered it',
      example: { tokenUniqueReference: 'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45', status: 'ACTIVE', productConfig: { cardBackgroundAssetId: 'bg-blue' }, tokenInfo: { accountPanSuffix: '4242' } },
    },
    answers: {
      201: { description: 'Recorded (a new token)', json: tokenAnswerSchema, example: TOKEN_EXAMPLE, headers: jsonNoStore },
      200: { description: 'Recorded, or kept when the stored record is newer (applied: false)', json: tokenAnswerSchema, example: { ...TOKEN_EXAMPLE, applied: false }, headers: jsonNoStore },
    },
    errors: ['INVALID_TOKEN', 'STATUS_TIMESTAMP_IN_FUTURE', ...PRODUCT_CONFIG_CODES, 'UNAUTHORIZED', 'RATE_LIMITED', 'TOKEN_STORE_UNAVAILABLE', ...ANY_REQUEST_CODES],
  },
  getToken: {
    operationId: 'getToken',
    method: 'get',
    path: '/v1/tokens/{tokenUniqueReference}',
    tags: ['tokens'],
    summary: "A token's record and its immutable card art URL",
    security: 'bearer',
    invalid: { params: 'INVALID_TOKEN_REFERENCE' },
    params: tokenPathParamsSchema,
    answers: { 200: { description: 'The record (Cache-Control: private, no-cache)', json: tokenAnswerSchema, example: TOKEN_EXAMPLE } },
    errors: [...TOKEN_LOOKUP_CODES, ...ANY_REQUEST_CODES],
  },
  getTokenCardArt: {
    operationId: 'getTokenCardArt',
    method: 'get',
    path: '/v1/tokens/{tokenUniqueReference}/card-art',
    tags: ['tokens'],
    summary: "Redirect to the immutable /v1/card-art URL of the token's current art, with text=•••• NNNN",
    security: 'bearer',
    invalid: { params: 'INVALID_TOKEN_REFERENCE' },
    params: tokenPathParamsSchema,
    query: tokenCardArtQuerySchema,
    answers: {
      302: {
        description: 'Found: the card art of the token as it is now (Cache-Control: private, no-cache)',
        headers: { Location: { description: 'The immutable /v1/card-art URL', schema: { type: 'string' }, required: true } },
        // express's redirect note, by Accept.
        content: { 'text/plain; charset=utf-8': { schema: { type: 'string' } }, 'text/html; charset=utf-8': { schema: { type: 'string' } } },
      },
    },
    errors: ['INVALID_WIDTH', 'INVALID_FORMAT', 'TOKEN_CARD_ART_UNKNOWN', ...TOKEN_LOOKUP_CODES, ...ANY_REQUEST_CODES],
  },
  pushProvisioning: {
    operationId: 'pushProvisioning',
    method: 'post',
    path: '/v1/push-provisioning',
    tags: ['provisioning'],
    summary: 'Push cards to a token requestor: pushMultipleAccounts receipts and the redirect URL (MDES Token Connect)',
    description: '422 NO_ELIGIBLE_ACCOUNTS also lists error.ineligible (pushAccountId, accountPanSuffix, reasonCode, description). Card numbers are never stored, logged or echoed.',
    security: 'bearer',
    body: {
      schema: pushProvisioningRequestSchema,
      description: 'The cards to push and where the requestor sends the cardholder back',
      example: { tokenRequestorId: '50110030273', pushMethod: 'WEB', accounts: [{ accountNumber: '5204730000002514', expiryMonth: '12', expiryYear: '30' }], callbackURL: 'https://issuer.example/push-done', locale: 'en_US' },
    },
    answers: {
      200: {
        description: 'Receipts for the eligible cards and where to send the cardholder',
        json: pushProvisioningResponseSchema,
        example: { redirectUrl: 'https://wallet.example/push?x=1', signed: false, pushed: [{ pushAccountId: '1', accountPanSuffix: '2514', pushAccountReceipt: 'MCC-STL-0001' }], ineligible: [], expiresAt: '2026-11-24T10:30:00.000Z' },
        headers: jsonNoStore,
      },
    },
    errors: [...PUSH_INPUT_CODES, 'NO_ELIGIBLE_ACCOUNTS', 'NOT_CONFIGURED', ...PROVISIONING_UPSTREAM_CODES, ...RATE_LIMIT_CODES, ...ANY_REQUEST_CODES],
  },
  pushProvisioningResults: {
    operationId: 'pushProvisioningResults',
    method: 'get',
    path: '/v1/push-provisioning/results',
    tags: ['provisioning'],
    summary: 'Read the results[<receipt>]=<STATUS>|<tokenUniqueReference> the requestor appended to callbackURL',
    security: 'bearer',
    query: z.object({ 'results[<pushAccountReceipt>]': z.string().optional().meta({ description: 'One per receipt, 1 to 5: results[<pushAccountReceipt>]=<STATUS>|<tokenUniqueReference>' }) }),
    answers: { 200: { description: 'One result per receipt', json: pushResultsResponseSchema, example: { results: [{ pushAccountReceipt: 'MCC-STL-0001', status: 'APPROVED', tokenUniqueReference: 'DWSPMC0001' }] }, headers: jsonNoStore } },
    errors: ['INVALID_RESULTS', 'UNAUTHORIZED', ...RATE_LIMIT_CODES, ...ANY_REQUEST_CODES],
  },
  pullProvisioning: {
    operationId: 'pullProvisioning',
    method: 'get',
    path: '/v1/pull-provisioning',
    tags: ['provisioning'],
    summary: 'Pull provisioning entered from a requestor: who is asking',
    security: 'bearer',
    query: pullProvisioningQuerySchema,
    answers: {
      200: {
        description: 'The requestor',
        json: pullProvisioningResponseSchema,
        example: { tokenRequestor: { tokenRequestorId: '50110030273', consumerFacingEntityName: 'Demo Pay', tokenRequestorType: 'WALLET', logoUrl: '/v1/token-requestor-assets/logo-wallet' }, sessionId: 'sess-123', locale: 'en_US', userInterface: 'WEB' },
        headers: jsonNoStore,
      },
    },
    errors: [...PULL_CODES, ...ANY_REQUEST_CODES],
  },
  pullProvisioningReturnUrl: {
    operationId: 'pullProvisioningReturnUrl',
    method: 'get',
    path: '/v1/pull-provisioning/return-url',
    tags: ['provisioning'],
    summary: 'Where to send the cardholder back to the requestor (cancelled or failed)',
    security: 'bearer',
    query: pullReturnUrlQuerySchema,
    answers: { 200: { description: 'The URL', json: pullReturnUrlResponseSchema, example: { redirectUrl: 'https://wallet.example/return?status=CANCELLED' }, headers: jsonNoStore } },
    errors: [...PULL_CODES, ...ANY_REQUEST_CODES],
  },
  getHealth: {
    operationId: 'getHealth',
    method: 'get',
    path: '/healthz',
    tags: ['operations'],
    summary: 'Liveness',
    security: 'none',
    answers: { 200: { description: 'Alive', json: healthSchema, example: { status: 'ok' }, headers: jsonNoStore } },
    errors: ANY_REQUEST_CODES,
  },
  getReadiness: {
    operationId: 'getReadiness',
    method: 'get',
    path: '/readyz',
    tags: ['operations'],
    summary: 'Readiness: upstream and cache store reachable',
    security: 'none',
    answers: {
      200: {
        description: 'Ready (this instance can serve); MDES and the cache store reported as ok / degraded',
        json: readinessSchema,
        example: {
          status: 'ready',
          checks: { upstream: { status: 'degraded', error: 'UPSTREAM_UNREACHABLE' }, cache: { status: 'ok' }, renderer: { status: 'ok' }, colour: { status: 'ok' } },
        },
        headers: jsonNoStore,
      },
      503: {
        description: 'Draining (shutting down) or the renderer is down',
        json: readinessSchema,
        example: { status: 'draining', checks: { upstream: { status: 'ok' }, cache: { status: 'ok' }, renderer: { status: 'ok' }, colour: { status: 'ok' } } },
        headers: jsonNoStore,
      },
    },
    errors: ANY_REQUEST_CODES,
  },
  getMetrics: {
    operationId: 'getMetrics',
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    security: 'none',
    answers: {
      200: {
        description: 'The Prometheus text exposition format',
        content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' }, example: '# HELP card_art_cache_hits_total Cache hits per tier\n' } },
      },
    },
    errors: ANY_REQUEST_CODES,
  },
  // Served by express.static (demo-routes.ts); this entry documents it and the conformance test checks it.
  getDemoPage: {
    operationId: 'getDemoPage',
    method: 'get',
    path: '/',
    tags: ['demo'],
    summary: 'The demo page: a merchant "Manage cards" screen and an issuer "Push to wallet" picker',
    security: 'none',
    requestHeaders: conditionalHeaders,
    answers: {
      200: { description: 'HTML (Cache-Control: no-cache, so browsers revalidate)', content: { 'text/html; charset=utf-8': { schema: { type: 'string' }, example: '<!doctype html>' } } },
      304: { description: 'Not modified: If-None-Match matched the page' },
    },
    errors: ANY_REQUEST_CODES,
  },
} as const satisfies Record<string, Operation>;

export type OperationName = keyof typeof operations;
