/**
 * Card art by token: `POST /v1/tokens` records a token from a Tokenize / Get Token response,
 * `GET /v1/tokens/{tokenUniqueReference}` answers its record and card art URL, and `…/card-art` redirects to the
 * immutable `/v1/card-art` URL of its current art. The redirect may change with the next notification, so it
 * is cacheable only privately and must be revalidated. Bearer auth with API_TOKENS.
 */
import { Router, type RequestHandler } from 'express';
import { ASSET_ID_FIELDS, parseProductConfig } from '../../core/product-config.ts';
import { CardArtError } from '../../errors.ts';
import { operations } from '../contract/operations.ts';
import { route } from '../contract/route.ts';
import type { TokenRecord } from '../contract/token-schemas.ts';
import { assertStatusTimestampNotAhead, type TokenRecords } from '../token-records.ts';

/** Private: the answer depends on the token; no-cache: a notification can change it at any time. */
const BY_TOKEN_CACHE_CONTROL = 'private, no-cache';

export interface TokenRouteDeps {
  records: TokenRecords;
  auth: RequestHandler;
  now?: () => number;
}

export function tokenRoutes(deps: TokenRouteDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  router.use('/v1/tokens', deps.auth);

  route(router, operations.postToken, async ({ body }, _req, res) => {
    assertStatusTimestampNotAhead(body.statusTimestamp, now());
    const result = await deps.records.apply({
      tokenUniqueReference: body.tokenUniqueReference,
      status: body.status,
      statusTimestamp: body.statusTimestamp,
      productConfig: parseProductConfig(body.productConfig) as TokenRecord['productConfig'],
      accountPanSuffix: body.tokenInfo?.accountPanSuffix,
      tokenPanSuffix: body.tokenInfo?.tokenPanSuffix,
      tokenRequestorId: body.tokenRequestorId,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.status(result.previous ? 200 : 201).json({ ...tokenAnswer(result.record), applied: result.applied });
  });

  route(router, operations.getToken, async ({ params }, _req, res) => {
    const record = await liveRecord(deps.records, params.tokenUniqueReference);
    res.setHeader('Cache-Control', BY_TOKEN_CACHE_CONTROL);
    res.json(tokenAnswer(record));
  });

  route(router, operations.getTokenCardArt, async ({ params, query }, _req, res) => {
    const record = await liveRecord(deps.records, params.tokenUniqueReference);
    const url = cardArtUrlOf(record, { width: query.width, format: query.format });
    if (!url) throw new CardArtError('TOKEN_CARD_ART_UNKNOWN', 'No card art is known for this token yet');
    res.setHeader('Cache-Control', BY_TOKEN_CACHE_CONTROL);
    res.redirect(302, url);
  });

  return router;
}

/** The record of a token that can be shown: 404 when unknown, 410 once MDES has deactivated it. */
async function liveRecord(records: TokenRecords, reference: string): Promise<TokenRecord> {
  const record = await records.get(reference);
  if (!record) throw new CardArtError('TOKEN_NOT_FOUND', 'No token with this tokenUniqueReference is known');
  if (record.status === 'DEACTIVATED') throw new CardArtError('TOKEN_DEACTIVATED', 'This token has been deactivated');
  return record;
}

export function tokenAnswer(record: TokenRecord): TokenRecord & { cardArtUrl: string | null } {
  return { ...record, cardArtUrl: cardArtUrlOf(record, {}) ?? null };
}

/** The immutable `/v1/card-art` URL of a record's productConfig, with `text=•••• <accountPanSuffix>`. */
export function cardArtUrlOf(record: TokenRecord, options: { width?: string; format?: string }): string | undefined {
  const config = record.productConfig;
  if (!config) return undefined;
  const params = new URLSearchParams();
  for (const field of [...ASSET_ID_FIELDS, 'foregroundColor', 'isCoBranded'] as const) {
    if (field === 'iconAssetId') continue; // the icon is not part of the card image
    const value = config[field];
    if (value !== undefined) params.set(field, String(value));
  }
  if (record.accountPanSuffix) params.set('text', `•••• ${record.accountPanSuffix}`);
  if (options.width) params.set('width', options.width);
  if (options.format) params.set('format', options.format);
  return `/v1/card-art?${params}`;
}

