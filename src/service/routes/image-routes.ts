import { Router, type Request, type Response } from 'express';
import { assetRenderCacheKey, renderCacheKey } from '../../cache-keys.ts';
import type { CardRenderer } from '../../core/card-renderer.ts';
import type { CardArtRequest } from '../../core/card-render-types.ts';
import { operations } from '../contract/operations.ts';
import { route } from '../contract/route.ts';
import { etagForKey } from '../etag.ts';
import { chooseFormat, type ChosenFormat } from '../image-params.ts';
import { answeredFromTag, sendImage } from '../image-response.ts';
import type { RenderedImageCache } from '../rendered-image-cache.ts';
import { clientGoneSignal, renderClient } from '../request-signal.ts';
import type { ServiceMetrics } from '../service-metrics.ts';
import type { MemoryHitFastPath } from '../memory-hit-fast-path.ts';

export interface ImageRouteDeps {
  renderer: CardRenderer;
  images: RenderedImageCache;
  metrics: ServiceMetrics;
  /** Remembers validated GET URLs so their memory hits skip express next time. */
  fastPath?: MemoryHitFastPath;
}

export function imageRoutes(deps: ImageRouteDeps): Router {
  const { renderer, images, fastPath } = deps;
  const router = Router();

  function rememberForFastPath(req: Request, key: string, etag: string, varyAccept: boolean, route: string): void {
    if (fastPath && (req.method === 'GET' || req.method === 'HEAD')) fastPath.remember(req.originalUrl, req.headers.accept, { key, etag, varyAccept, route });
  }

  async function sendCard(req: Request, res: Response, request: CardArtRequest, chosen: ChosenFormat): Promise<void> {
    const key = renderCacheKey(request);
    const etag = etagForKey(key);
    if (answeredFromTag(req, res, etag, chosen.negotiated)) return;
    const image = await images.getOrRender(key, (signal) => renderer.renderCard(request, signal), {
      signal: clientGoneSignal(res),
      kind: 'card',
      client: renderClient(req),
      prepare: (signal) => renderer.prefetchCard(request, signal),
    });
    sendImage(req, res, { ...image, etag }, chosen.negotiated);
    rememberForFastPath(req, key, etag, chosen.negotiated, '/v1/card-art');
  }

  route(router, operations.getCardArt, async ({ query }, req, res) => {
    const chosen = chooseFormat(query.format, req.get('accept'));
    await sendCard(req, res, { productConfig: query.productConfig, text: query.text, width: query.width, format: chosen.format }, chosen);
  });

  route(router, operations.postCardArt, async ({ body }, req, res) => {
    const chosen = chooseFormat(body.format, req.get('accept'));
    await sendCard(req, res, { productConfig: body.productConfig, text: body.text, width: body.width, format: chosen.format }, chosen);
  });

  route(router, operations.getAsset, async ({ params, query }, req, res) => {
    const { assetId } = params;
    const chosen = chooseFormat(query.format, req.get('accept'));
    const key = assetRenderCacheKey(assetId, query.width, chosen.format);
    const etag = etagForKey(key);
    if (answeredFromTag(req, res, etag, chosen.negotiated)) return;
    const image = await images.getOrRender(
      key,
      (signal) => renderer.renderAsset(assetId, query.width, chosen.format, signal),
      {
        signal: clientGoneSignal(res),
        kind: 'asset',
        client: renderClient(req),
        prepare: (signal) => renderer.prefetchAsset(assetId, signal),
      },
    );
    sendImage(req, res, { ...image, etag }, chosen.negotiated);
    rememberForFastPath(req, key, etag, chosen.negotiated, '/v1/assets/:assetId');
  });

  return router;
}
