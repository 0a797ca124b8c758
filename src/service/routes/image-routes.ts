import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { assetRenderCacheKey, renderCacheKey, type CardRenderer } from '../../core/card-renderer.ts';
import type { CardArtRequest } from '../../core/card-render-types.ts';
import { CARD_WIDTH } from '../../core/card-render-types.ts';
import { parseCardText, parseProductConfig } from '../../core/product-config.ts';
import { CardArtError } from '../../errors.ts';
import { assertAssetId } from '../../core/asset-id.ts';
import { etagForKey } from '../etag.ts';
import { chooseFormat, parseWidth, singleQueryValue, type ChosenFormat } from '../image-params.ts';
import { answeredFromTag, sendImage } from '../image-response.ts';
import type { RenderedImageCache } from '../rendered-image-cache.ts';
import { clientGoneSignal, renderClient } from '../request-signal.ts';
import type { ServiceMetrics } from '../service-metrics.ts';

export interface ImageRouteDeps {
  renderer: CardRenderer;
  images: RenderedImageCache;
  metrics: ServiceMetrics;
}

const postCardArtBody = z.object({
  productConfig: z.unknown(),
  text: z.unknown().optional(),
  width: z.unknown().optional(),
  format: z.unknown().optional(),
});

export function imageRoutes(deps: ImageRouteDeps): Router {
  const { renderer, images } = deps;
  const router = Router();

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
  }

  router.get('/v1/card-art', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const chosen = chooseFormat(singleQueryValue(query.format, 'format'), req.get('accept'));
    const request: CardArtRequest = {
      productConfig: parseProductConfig(query),
      text: parseCardText(singleQueryValue(query.text, 'text')),
      width: parseWidth(singleQueryValue(query.width, 'width'), CARD_WIDTH) as number,
      format: chosen.format,
    };
    await sendCard(req, res, request, chosen);
  });

  router.post('/v1/card-art', async (req, res) => {
    const parsed = postCardArtBody.safeParse(req.body);
    if (!parsed.success || parsed.data.productConfig === undefined) {
      throw new CardArtError(400, 'INVALID_REQUEST', 'The body must be a JSON object {"productConfig":{…},"text"?,"width"?,"format"?}');
    }
    const body = parsed.data;
    const chosen = chooseFormat(body.format, req.get('accept'));
    const request: CardArtRequest = {
      productConfig: parseProductConfig(body.productConfig),
      text: parseCardText(body.text),
      width: parseWidth(body.width, CARD_WIDTH) as number,
      format: chosen.format,
    };
    await sendCard(req, res, request, chosen);
  });

  router.get('/v1/assets/:assetId', async (req, res) => {
    const assetId = assertAssetId(req.params.assetId);
    const query = req.query as Record<string, unknown>;
    const width = parseWidth(singleQueryValue(query.width, 'width'), undefined);
    const chosen = chooseFormat(singleQueryValue(query.format, 'format'), req.get('accept'));
    const key = assetRenderCacheKey(assetId, width, chosen.format);
    const etag = etagForKey(key);
    if (answeredFromTag(req, res, etag, chosen.negotiated)) return;
    const image = await images.getOrRender(
      key,
      (signal) => renderer.renderAsset(assetId, width, chosen.format, signal),
      {
        signal: clientGoneSignal(res),
        kind: 'asset',
        client: renderClient(req),
        prepare: (signal) => renderer.prefetchAsset(assetId, signal),
      },
    );
    sendImage(req, res, { ...image, etag }, chosen.negotiated);
  });

  return router;
}

