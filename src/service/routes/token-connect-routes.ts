import { Router } from 'express';
import { operations } from '../contract/operations.ts';
import { route } from '../contract/route.ts';
import { etagForKey } from '../etag.ts';
import { answeredFromTag, sendImage } from '../image-response.ts';
import type { RenderedImageCache } from '../rendered-image-cache.ts';
import { clientGoneSignal, renderClient } from '../request-signal.ts';
import { requestorPngKey, requestorSvgKey } from '../../cache-keys.ts';
import type { RequestorLogos } from '../requestor-logos.ts';
import type { TokenRequestorDirectory } from '../token-requestor-directory.ts';

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

  route(router, operations.listTokenRequestors, async ({ query }, _req, res) => {
    const list = await tokenRequestors.get(query.accountRanges);
    res.setHeader('Cache-Control', REQUESTOR_LIST_CACHE_CONTROL);
    res.json({
      fetchedAt: new Date(list.fetchedAt).toISOString(),
      tokenRequestors: list.tokenRequestors.map((requestor) => ({
        ...requestor,
        logoUrl: `/v1/token-requestor-assets/${encodeURIComponent(String(requestor.imageAssetId))}`,
      })),
    });
  });

  route(router, operations.getTokenRequestorAsset, async ({ params, query }, req, res) => {
    const { assetId } = params;
    if (query.format === 'svg') {
      const etag = etagForKey(requestorSvgKey(assetId));
      if (answeredFromTag(req, res, etag, false)) return;
      const svg = await logos.loadSafeSvg(assetId, clientGoneSignal(res));
      res.setHeader('Content-Security-Policy', SVG_CSP);
      res.setHeader('Content-Disposition', `inline; filename=${assetId}.svg`);
      sendImage(req, res, { bytes: svg, contentType: 'image/svg+xml', etag }, false);
      return;
    }
    const key = requestorPngKey(assetId, query.size);
    const etag = etagForKey(key);
    if (answeredFromTag(req, res, etag, false)) return;
    const image = await images.getOrRender(key, (signal) => logos.renderPng(assetId, query.size, signal), {
      signal: clientGoneSignal(res),
      kind: 'requestor-logo',
      client: renderClient(req),
      prepare: (signal) => logos.prefetch(assetId, signal),
    });
    sendImage(req, res, { ...image, etag }, false);
  });

  return router;
}
