import { CardArtError } from '../errors.ts';

/** Asset IDs as MDES issues them (up to 64 characters, UUIDs in practice); anything else never reaches I/O. */
export const ASSET_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Returns the asset ID when it matches ASSET_ID_PATTERN; anything else is a 400 before any I/O. */
export function assertAssetId(id: unknown): string {
  if (typeof id !== 'string' || !ASSET_ID_PATTERN.test(id)) {
    throw new CardArtError('INVALID_ASSET_ID', 'asset ID must be 1-64 characters of A-Z, a-z, 0-9, "_" or "-"');
  }
  return id;
}
