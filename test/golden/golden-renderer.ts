/** The real renderer over the golden fixture folder, shared by the golden test and update-goldens. */
import { fileURLToPath } from 'node:url';
import type { AssetMedia } from '../../src/core/asset-media.ts';
import { type CardRenderer, createCardRenderer } from '../../src/core/card-renderer.ts';
import { CARD_WIDTH } from '../../src/core/card-render-types.ts';
import { decodeBestMedia } from '../../src/core/decode-asset-body.ts';
import { parseCardText, parseProductConfig } from '../../src/core/product-config.ts';
import { createRasterizer } from '../../src/core/rasterizer.ts';
import { createFolderMediaLoader } from '../../src/simulator/asset-folder.ts';
import type { GoldenCase } from './golden-cases.ts';
import { GOLDEN_ASSET_DIR } from './make-golden-fixtures.ts';

export const GOLDEN_DIR = fileURLToPath(new URL('../../golden/', import.meta.url));

export function folderMediaLoader(dir: string): (assetId: string) => Promise<AssetMedia> {
  return createFolderMediaLoader(dir, (body) => decodeBestMedia(body));
}

export function createGoldenRenderer(): { renderer: CardRenderer; close(): Promise<void> } {
  // One PDF worker: the service's worker-pool path, without starving the other test files of the 2 cores.
  const rasterizer = createRasterizer({ processes: 1 });
  const renderer = createCardRenderer({ loadMedia: folderMediaLoader(GOLDEN_ASSET_DIR), rasterizer });
  return { renderer, close: () => rasterizer.close() };
}

/** Renders a case as a full-size PNG, through the same validation the HTTP layer uses. */
export async function renderGoldenCase(renderer: CardRenderer, goldenCase: GoldenCase): Promise<Buffer> {
  const image = await renderer.renderCard({
    productConfig: parseProductConfig(goldenCase.productConfig),
    text: parseCardText(goldenCase.text),
    width: CARD_WIDTH,
    format: 'png',
  });
  return image.bytes;
}
