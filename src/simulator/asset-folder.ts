import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ASSET_ID_PATTERN } from '../core/asset-id.ts';
import type { AssetMedia, GetAssetBody } from '../core/asset-media.ts';
import { CardArtError } from '../errors.ts';

export { ASSET_ID_PATTERN };

/** The single-file asset formats of the folder, by file extension. */
export const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.pdf': 'application/pdf',
  '.svg': 'image/svg+xml',
};

/**
 * Reads one asset from a folder in the simulator format: `<id>.json` is the Get Asset body
 * verbatim (returned as parsed JSON, unvalidated); `<id>.png|pdf|svg` becomes a body with one entry.
 * Returns undefined when the folder has no such asset.
 */
export async function readAssetFromFolder(dir: string, assetId: string): Promise<unknown | undefined> {
  if (!ASSET_ID_PATTERN.test(assetId)) return undefined;
  const json = await readIfExists(path.join(dir, `${assetId}.json`));
  if (json) return JSON.parse(json.toString('utf8')) as unknown;
  return readSingleFileBody(dir, assetId);
}

/** Reads `<id>.json` raw (so callers can serve malformed bodies verbatim), else a single-file body. */
export async function readAssetBodyText(dir: string, assetId: string): Promise<string | undefined> {
  if (!ASSET_ID_PATTERN.test(assetId)) return undefined;
  const json = await readIfExists(path.join(dir, `${assetId}.json`));
  if (json) return json.toString('utf8');
  const body = await readSingleFileBody(dir, assetId);
  return body === undefined ? undefined : JSON.stringify(body);
}

/**
 * Loads assets by ID from a folder in this format (the CLI and the golden tests render from one): a missing
 * asset is 404 ASSET_NOT_FOUND, an unreadable one 502 ASSET_BODY_INVALID; `decode` picks the entry.
 */
export function createFolderMediaLoader(dir: string, decode: (body: unknown) => Promise<AssetMedia>): (assetId: string) => Promise<AssetMedia> {
  return async (assetId) => {
    let body: unknown;
    try {
      body = await readAssetFromFolder(dir, assetId);
    } catch (error) {
      throw new CardArtError('ASSET_BODY_INVALID', `cannot read asset ${assetId} from ${dir}: ${(error as Error).message}`, { cause: error });
    }
    if (body === undefined) throw new CardArtError('ASSET_NOT_FOUND', `no asset ${assetId} (.png, .pdf, .svg or .json) in ${dir}`);
    return decode(body);
  };
}

async function readSingleFileBody(dir: string, assetId: string): Promise<GetAssetBody | undefined> {
  for (const [extension, mime] of Object.entries(MIME_BY_EXTENSION)) {
    const bytes = await readIfExists(path.join(dir, `${assetId}${extension}`));
    if (bytes) return singleEntryBody(mime, bytes);
  }
  return undefined;
}

/** A Get Asset body with one entry for one file's bytes (what the simulator serves for `<id>.png|pdf|svg`). */
export function singleEntryBody(mime: string, bytes: Buffer): GetAssetBody {
  const size = naturalSizeHint(mime, bytes);
  return {
    mediaContents: [
      {
        type: mime,
        data: bytes.toString('base64'),
        ...(size ? { width: String(size.width), height: String(size.height) } : {}),
      },
    ],
  };
}

/** PNG sizes come from IHDR; vectors carry their own size, so no hint is given. */
function naturalSizeHint(mime: string, bytes: Buffer): { width: number; height: number } | undefined {
  if (mime === 'image/png' && bytes.length >= 24) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  return undefined;
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
