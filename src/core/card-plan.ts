/** What determines a card's pixels: the renderer draws from it and the render cache key hashes it. */
import type { ProductConfig } from './asset-media.ts';

/** Text colour when foregroundColor is absent: MDES always sends one, and black is its most common value. */
export const DEFAULT_FOREGROUND_COLOR = '000000';

/** Exactly what determines a card's pixels, with everything that cannot change them removed. */
export interface CardPlan {
  combinedId?: string;
  backgroundId?: string;
  issuerId?: string;
  coBrandId?: string;
  brandId?: string;
  text?: string;
  color?: string;
}

/**
 * Normalizes a request into a plan. The combined image, when sent, wins over the component IDs.
 * Co-brand: MDES sends coBrandLogoAssetId "only when isCoBranded", so the logo is drawn when an ID is present
 * unless isCoBranded is explicitly false (an absent flag does not hide a logo MDES chose to send).
 */
export function planCard(productConfig: ProductConfig, text: string | undefined): CardPlan {
  const plan: CardPlan = {};
  if (productConfig.cardBackgroundCombinedAssetId) {
    plan.combinedId = productConfig.cardBackgroundCombinedAssetId;
  } else {
    plan.backgroundId = productConfig.cardBackgroundAssetId;
    plan.issuerId = productConfig.issuerLogoAssetId;
    plan.brandId = productConfig.brandLogoAssetId;
    const coBranded = productConfig.isCoBranded !== false && productConfig.isCoBranded !== 'false';
    if (coBranded) plan.coBrandId = productConfig.coBrandLogoAssetId;
  }
  if (text) {
    plan.text = text;
    plan.color = productConfig.foregroundColor ?? DEFAULT_FOREGROUND_COLOR;
  }
  for (const key of Object.keys(plan) as (keyof CardPlan)[]) if (plan[key] === undefined) delete plan[key];
  return plan;
}
