import { Router } from 'express';
import { CardArtError } from '../../errors.ts';
import { assertAssetId } from '../../core/asset-id.ts';
import { assertAccountRanges } from '../../upstream/validate-input.ts';
import { etagForKey } from '../etag.ts';
import { answeredFromTag, sendImage } from '../image-response.ts';
import type { RenderedImageCache } from '../rendered-image-cache.ts';
import { clientGoneSignal, renderClient } from '../request-signal.ts';
import {
  DEFAULT_REQUESTOR_LOGO_SIZE,
  REQUESTOR_LOGO_SIZES,
  requestorPngKey,
  requestorSvgKey,
  type RequestorLogos,
} from '../requestor-logos.ts';
import type { TokenRequestorDirectory } from '../token-requestor-directory.ts';
import { singleQueryValue } from '../image-params.ts';

/** Browsers may reuse the list for an hour; the server refreshes it from upstream on its own schedule. */
const REQUESTOR_LIST_CACHE_CONTROL = 'public, max-age=3600';
/**
 * An SVG served to a browser may style itself but never run, load, embed, navigate or submit anything. `sandbox`
 * also blocks scripts, forms and top navigation; `form-action` does not fall back to `default-src`, so it is named.
 */
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox; form-action 'none'";

export interface TokenConnectRouteDeps {
  tokenRequestors: TokenRequestorDirectory;
  logos: RequestorLogos;
  images: RenderedImageCache;
}

export function tokenConnectRoutes(deps: TokenConnectRouteDeps): Router {
  const { tokenRequestors, logos, images } = deps;
  const router = Router();

  router.get('/v1/token-requestors', async (req, res) => {
    const ranges = assertAccountRanges(splitList(req.query.accountRanges));
    const list = await tokenRequestors.get(ranges);
    res.setHeader('Cache-Control', REQUESTOR_LIST_CACHE_CONTROL);
    res.json({
      fetchedAt: new Date(list.fetchedAt).toISOString(),
      tokenRequestors: list.tokenRequestors.map((requestor) => ({
        ...requestor,
        logoUrl: `/v1/token-requestor-assets/${encodeURIComponent(String(requestor.imageAssetId))}`,
      })),
    });
  });

  router.get('/v1/token-requestor-assets/:assetId', async (req, res) => {
    const assetId = assertAssetId(req.params.assetId);
    const format = singleQueryValue(req.query.format, 'format') ?? 'png';
    if (format !== 'png' && format !== 'svg') {
      throw new CardArtError(400, 'INVALID_FORMAT', 'format must be png or svg');
    }
    if (format === 'svg') {
      const etag = etagForKey(requestorSvgKey(assetId));
      if (answeredFromTag(req, res, etag, false)) return;
      const svg = await logos.loadSafeSvg(assetId, clientGoneSignal(res));
      res.setHeader('Content-Security-Policy', SVG_CSP);
      res.setHeader('Content-Disposition', `inline; filename=${assetId}.svg`);
      sendImage(req, res, { bytes: svg, contentType: 'image/svg+xml', etag }, false);
      return;
    }
    const size = parseLogoSize(singleQueryValue(req.query.size, 'size'));
    const key = requestorPngKey(assetId, size);
    const etag = etagForKey(key);
    if (answeredFromTag(req, res, etag, false)) return;
    const image = await images.getOrRender(key, (signal) => logos.renderPng(assetId, size, signal), {
      signal: clientGoneSignal(res),
      kind: 'requestor-logo',
      client: renderClient(req),
      prepare: (signal) => logos.prefetch(assetId, signal),
    });
    sendImage(req, res, { ...image, etag }, false);
  });

  return router;
}

/** `accountRanges=a,b` or `accountRanges=a&accountRanges=b` (or both). */
function splitList(value: unknown): unknown[] {
  const parts = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return parts.flatMap((part) => (typeof part === 'string' ? part.split(',') : [part])).map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => p !== '');
}

function parseLogoSize(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_REQUESTOR_LOGO_SIZE;
  const size = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(REQUESTOR_LOGO_SIZES as readonly number[]).includes(size)) {
    throw new CardArtError(400, 'INVALID_SIZE', `size must be one of ${REQUESTOR_LOGO_SIZES.join(', ')}`);
  }
  return size;
}
