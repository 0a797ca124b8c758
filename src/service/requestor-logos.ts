import { requestorBodyKey, requestorPngKey, requestorSvgKey } from '../cache-keys.ts';
import type { NegativeCache } from '../cache/negative-cache.ts';
import type { TieredCache } from '../cache/cache-types.ts';
import type { AssetMedia, GetAssetBody, Rasterizer } from '../core/asset-media.ts';
import type { EncodedImage } from '../core/card-render-types.ts';
import { encodeImage } from '../core/encode-image.ts';
import { fitInside } from '../core/layout.ts';
import { sniffMediaKind } from '../core/sniff-media.ts';
import { sanitizeSvg } from '../core/svg-safety.ts';
import { CardArtError } from '../errors.ts';
import type { AssetSource } from '../upstream/asset-source.ts';

/** Square sizes a requestor logo can be rasterized at (the wallet pickers use 48–96 CSS px at 1–4x). */
export const REQUESTOR_LOGO_SIZES = [48, 96, 192, 384] as const;
export const DEFAULT_REQUESTOR_LOGO_SIZE = 192;

export interface RequestorLogos {
  /** Loads (fetching when not cached) the logo's upstream body, without rasterizing it. */
  prefetch(assetId: string, signal?: AbortSignal): Promise<void>;
  /** The logo's SVG entry rebuilt by the sanitizer (refused with SVG_UNSAFE when it holds anything unsafe). */
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
  /** Unknown IDs and bad logos are remembered here for a while instead of being fetched again per request. */
  failures?: NegativeCache;
}


export function createRequestorLogos(options: RequestorLogosOptions): RequestorLogos {
  const { source, cache, rasterizer, decode, failures } = options;
  const guard = <T>(key: string, work: () => Promise<T>) => (failures ? failures.guard(key, work) : work());

  /** The upstream body, cached forever like every asset once it decodes (a body that does not is never kept). */
  async function loadBody(assetId: string, signal?: AbortSignal): Promise<unknown> {
    const key = requestorBodyKey(assetId);
    const entry = await guard(key, () =>
      cache.getOrLoad(
        key,
        async () => {
          const body = await source.getTokenRequestorAsset(assetId);
          await decode(body);
          return { bytes: Buffer.from(JSON.stringify(body)), meta: { kind: 'get-asset-body' } };
        },
        { signal },
      ),
    );
    try {
      return JSON.parse(entry.bytes.toString('utf8')) as unknown;
    } catch (error) {
      await cache.delete(key);
      throw new CardArtError('UPSTREAM_BAD_RESPONSE', 'The cached requestor logo could not be read', { cause: error });
    }
  }

  return {
    async prefetch(assetId, signal) {
      await loadBody(assetId, signal);
    },
    async loadSafeSvg(assetId, signal) {
      const key = requestorSvgKey(assetId);
      const entry = await guard(key, () =>
        cache.getOrLoad(
          key,
          async () => {
            // Fetched and rebuilt here, so only a sanitized SVG is ever cached: a body refused today is fetched
            // again once its failure is forgotten (NEGATIVE_CACHE_SECONDS), and a fix upstream is seen.
            const svg = sanitizeSvg(findSvgEntry(await source.getTokenRequestorAsset(assetId)));
            return { bytes: svg, meta: { contentType: 'image/svg+xml' } };
          },
          { signal },
        ),
      );
      return entry.bytes;
    },
    async renderPng(assetId, size) {
      const media = await decode(await loadBody(assetId));
      const fitted = fitInside({ width: media.width, height: media.height }, { width: size, height: size });
      const rasterize = () => rasterizer.rasterize(media, fitted);
      // A logo that cannot be drawn is remembered for every size, under the key its body is loaded by.
      const raster = await (failures ? failures.guardSized(requestorBodyKey(assetId), requestorPngKey(assetId, size), rasterize) : rasterize());
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
