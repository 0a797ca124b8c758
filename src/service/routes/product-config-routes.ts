import { Router } from 'express';
import type { ProductConfig } from '../../core/asset-media.ts';
import { ASSET_ID_FIELDS, parseProductConfig } from '../../core/product-config.ts';
import { CardArtError, isCardArtError } from '../../errors.ts';
import type { AssetPrewarmer } from '../asset-prewarmer.ts';

/** What one Notify Token Updated call can bring, with room to spare. */
export const MAX_PRODUCT_CONFIGS = 100;

export function productConfigRoutes(deps: { prewarmer: AssetPrewarmer }): Router {
  const router = Router();

  router.post('/v1/product-configs', async (req, res) => {
    const body: unknown = req.body;
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0 || items.length > MAX_PRODUCT_CONFIGS) {
      throw new CardArtError('INVALID_REQUEST', `send one productConfig or an array of 1 to ${MAX_PRODUCT_CONFIGS}`);
    }
    const assetIds = items.flatMap((item, index) => {
      const config = parseAt(item, Array.isArray(body) ? index : undefined);
      return ASSET_ID_FIELDS.map((field) => config[field]).filter((id): id is string => typeof id === 'string');
    });
    const result = await deps.prewarmer.prewarm(assetIds);
    res.status(202).json(result);
  });

  return router;
}

function parseAt(item: unknown, index: number | undefined): ProductConfig {
  try {
    return parseProductConfig(item);
  } catch (error) {
    if (index === undefined || !isCardArtError(error)) throw error;
    throw new CardArtError(error.code, `productConfigs[${index}]: ${error.message}`, { cause: error.cause });
  }
}
