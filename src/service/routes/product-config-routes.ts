import { Router } from 'express';
import { ASSET_ID_FIELDS } from '../../core/product-config.ts';
import type { AssetPrewarmer } from '../asset-prewarmer.ts';
import { operations } from '../contract/operations.ts';
import { route } from '../contract/route.ts';

export function productConfigRoutes(deps: { prewarmer: AssetPrewarmer }): Router {
  const router = Router();

  route(router, operations.prewarmProductConfigs, async ({ body }, _req, res) => {
    const configs = Array.isArray(body) ? body : [body];
    const assetIds = configs.flatMap((config) => ASSET_ID_FIELDS.map((field) => config[field]).filter((id): id is string => typeof id === 'string'));
    const result = await deps.prewarmer.prewarm(assetIds);
    res.status(202).json(result);
  });

  return router;
}
