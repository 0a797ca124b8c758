import { requestorBodyKey, requestorSvgKey } from '../cache-keys.ts';
import type { TieredCache } from '../cache/cache-types.ts';
import type { AssetMedia, GetAssetBody, Rasterizer } from '../core/asset-media.ts';
import type { EncodedImage } from '../core/card-render-types.ts';
import { encodeImage } from '../core/encode-image.ts';
import { fitInside } from '../core/layout.ts';
import { sniffMediaKind } from '../core/sniff-media.ts';
import { assertSafeSvg } from '../core/svg-safety.ts';
import { CardArtError } from '../errors.ts';
import type { AssetSource } from '../upstream/asset-source.ts';

/** Square sizes a requestor logo can be rasterized at (the wallet pickers use 48–96 CSS px at 1–4x). */
export const REQUESTOR_LOGO_SIZES = [48, 96, 192, 384] as const;
export const DEFAULT_REQUESTOR_LOGO_SIZE = 192;

export interface RequestorLogos {
  /** The logo's SVG entry, refused unless assertSafeSvg passes. */
  loadSafeSvg(assetId: string, signal?: AbortSignal): Promise<Buffer>;
  /** The logo rasterized to fit size × size, as PNG. */
  renderPng(assetId: string, size: number, signal?: AbortSignal): Promise<EncodedImage>;
}

export interface RequestorLogosOptions {
  source: Pick<AssetSource, 'getTokenRequestorAsset'>;
  cache: TieredCache;
  rasterizer: Rasterizer;
  /** Picks and validates one entry of a Get Asset body (the same decoder card assets use). */
  decode: (body: unknown) => Promise<AssetMedia>;
}


export function createRequestorLogos(options: RequestorLogosOptions): RequestorLogos {
  const { source, cache, rasterizer, decode } = options;

  /** The upstream body, cached forever like every asset (IDs never change content). */
  async function loadBody(assetId: string, signal?: AbortSignal): Promise<unknown> {
    const entry = await cache.getOrLoad(
      requestorBodyKey(assetId),
      async () => {
        const body = await source.getTokenRequestorAsset(assetId);
        return { bytes: Buffer.from(JSON.stringify(body)), meta: { kind: 'get-asset-body' } };
      },
      { signal },
    );
    try {
      return JSON.parse(entry.bytes.toString('utf8')) as unknown;
    } catch (error) {
      await cache.delete(requestorBodyKey(assetId));
      throw new CardArtError('UPSTREAM_BAD_RESPONSE', 'The cached requestor logo could not be read', { cause: error });
    }
  }

  return {
    async loadSafeSvg(assetId, signal) {
      const entry = await cache.getOrLoad(
        requestorSvgKey(assetId),
        async () => {
          const svg = findSvgEntry(await loadBody(assetId, signal));
          assertSafeSvg(svg);
          return { bytes: svg, meta: { contentType: 'image/svg+xml' } };
        },
        { signal },
      );
      return entry.bytes;
    },
    async renderPng(assetId, size) {
      const media = await decode(await loadBody(assetId));
      const fitted = fitInside({ width: media.width, height: media.height }, { width: size, height: size });
      const raster = await rasterizer.rasterize(media, fitted);
      return encodeImage(raster, 'png');
    },
  };
}

function findSvgEntry(body: unknown): Buffer {
  const entries = (body as Partial<GetAssetBody> | undefined)?.mediaContents;
  if (Array.isArray(entries)) {
    for (const entry of entries) {
      if (typeof entry?.data !== 'string') continue;
      const bytes = Buffer.from(entry.data, 'base64');
      if (sniffMediaKind(bytes) === 'svg') return bytes;
    }
  }
  throw new CardArtError('SVG_NOT_AVAILABLE', 'This token requestor logo has no SVG version; ask for format=png');
}
