/**
 * Every cache key of card-art, and their versions, in one place. Upstream bodies are keyed by asset ID alone
 * (an asset ID never changes content, so they never need a version); everything card-art renders carries
 * RENDER_VERSION, so bumping it retires every rendered image at once and nothing else.
 */
import { createHash } from 'node:crypto';
import type { OutputFormat } from './core/asset-media.ts';
import type { CardArtRequest } from './core/card-render-types.ts';
import { planCard, type CardPlan } from './core/card-plan.ts';

/** Part of every rendered-image key: bump when the pixels of a rendered card change (layout, font, encoder settings). */
export const RENDER_VERSION = '1';

/** A Get Asset body (decoded media): `asset:{assetId}`, the key the design fixes. */
export function assetCacheKey(assetId: string): string {
  return `asset:${assetId}`;
}

/** SHA-256 (hex) of RENDER_VERSION + the normalized plan + width + format; equal keys mean identical pixels. */
export function renderCacheKey(request: CardArtRequest, renderVersion = RENDER_VERSION): string {
  const plan = planCard(request.productConfig, request.text);
  const ordered = Object.keys(plan).sort().map((key) => [key, plan[key as keyof CardPlan]]);
  return sha256(JSON.stringify([renderVersion, 'card', ordered, request.width, request.format]));
}

/** One asset rendered alone (width undefined = natural). */
export function assetRenderCacheKey(assetId: string, width: number | undefined, format: OutputFormat, renderVersion = RENDER_VERSION): string {
  return sha256(JSON.stringify([renderVersion, 'asset', assetId, width ?? null, format]));
}

/** A persisted getEligibleTokenRequestors list; the ranges are validated digits, so the key needs no escaping. */
export function requestorListCacheKey(rangesKey: string): string {
  return `token-requestors:${rangesKey}`;
}

/** A token requestor logo's Get Asset body. v2: bodies are validated before they are cached (v1 entries could hold a body that never decoded). */
export function requestorBodyKey(assetId: string): string {
  return `requestor-asset:v2:${assetId}`;
}

/** A requestor logo's SVG as served. v2: the rebuilt (sanitized) SVG; v1 held the upstream bytes as they came. */
export function requestorSvgKey(assetId: string): string {
  return `requestor-svg:v2:${assetId}`;
}

/** A requestor logo rendered to PNG: it changes with the renderer, so it carries RENDER_VERSION. */
export function requestorPngKey(assetId: string, size: number): string {
  return `requestor-logo:${RENDER_VERSION}:${assetId}:${size}:png`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
