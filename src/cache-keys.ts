/**
 * Every key card-art writes, and their versions, in one place: cache entries, data in the persistent store
 * (token records, NTU request IDs, push receipts) and remembered failures. Upstream bodies are keyed by asset ID
 * alone (an asset ID never changes content, so they never need a version); everything card-art renders carries
 * RENDER_VERSION, so bumping it retires every rendered image at once and nothing else. Each family has its own
 * prefix (rendered images: 64 hex digits, no colon), so no two families can share a key.
 */
import { createHash } from 'node:crypto';
import type { OutputFormat } from './core/asset-media.ts';
import type { CardArtRequest } from './core/card-render-types.ts';
import { planCard, type CardPlan } from './core/card-plan.ts';

/**
 * Part of every rendered-image key: bump when the pixels of a rendered card change (layout, font, encoder settings).
 * 2: PDFs drawn with soft masks, transfer functions and colour management (CMYK, ICC) as pdf.js draws them in a browser;
 *    SVGs with absolute units, <switch> / systemLanguage, GIF / WebP data images and <use> cycles drawn as librsvg does.
 */
export const RENDER_VERSION = '2';

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

/**
 * Families that live as data in the persistent store, never evicted by CACHE_MAX_MB: unversioned, since each
 * entry is validated by its schema when read (a change of shape brings a new prefix, as `:v2:` above did).
 */
export const TOKEN_RECORD_PREFIX = 'token:';
export const NTU_REQUEST_PREFIX = 'ntu-request:';
export const NTU_PAYLOAD_PREFIX = 'ntu-payload:';
export const PUSH_RECEIPT_PREFIX = 'push-receipt:';

/** A token record by tokenUniqueReference (validated before it becomes a key). */
export function tokenRecordKey(tokenUniqueReference: string): string {
  return `${TOKEN_RECORD_PREFIX}${tokenUniqueReference}`;
}

/** A Notify Token Updated requestId already answered (kept for MDES's retry window). */
export function ntuRequestKey(requestId: string): string {
  return `${NTU_REQUEST_PREFIX}${requestId}`;
}

/** A Notify Token Updated payload already handled, by the SHA-256 hex of its wrapped AES key (kept like requestIds). */
export function ntuPayloadKey(digest: string): string {
  return `${NTU_PAYLOAD_PREFIX}${digest}`;
}

/** Families written with a TTL (24 h, 15 min): the disk store keeps them apart and sweeps them when they expire. */
const EXPIRING_PREFIXES = [NTU_REQUEST_PREFIX, NTU_PAYLOAD_PREFIX, PUSH_RECEIPT_PREFIX] as const;

export function isExpiringKey(key: string): boolean {
  return EXPIRING_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/** A push receipt's card details; receipts are validated (PUSH_ACCOUNT_RECEIPT_PATTERN) before they become keys. */
export function pushReceiptKey(receipt: string): string {
  return `${PUSH_RECEIPT_PREFIX}${receipt}`;
}

/** Prefixes of rendered variants besides the card / asset render keys (sha256 hex): counted by CACHE_MAX_MB. */
export const COUNTED_VARIANT_PREFIXES = ['requestor-logo:', 'requestor-svg:', 'token-requestors:'] as const;

/**
 * Remembered failures (the negative cache) share one key space: an asset's body under its asset key, its
 * requestor logo under the requestor keys, and these two for a failed render and a failed layer rasterization.
 */
export function renderFailureKey(renderKey: string): string {
  return `render:${renderKey}`;
}

/** One asset rasterized at one size failed on its own. */
export function layerFailureKey(assetId: string, width: number, height: number): string {
  return `layer:${assetId}:${width}x${height}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
