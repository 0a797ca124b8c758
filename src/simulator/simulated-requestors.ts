import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Stands for the simulator's own origin (`http://127.0.0.1:<port>`) in token-requestors.json, so the sample
 * requestors' WEB uris can point at the requestor pages the simulator serves although its port is chosen at start.
 */
export const SIMULATOR_ORIGIN_PLACEHOLDER = '{SIMULATOR_ORIGIN}';

export interface SimulatedRequestor {
  tokenRequestorId: string;
  name?: string;
  consumerFacingEntityName?: string;
  enabledAccountRanges?: unknown;
  supportsMultiplePushedCards?: unknown;
  supportedAccountHolderData?: unknown;
  tokenRequestorSignatureSupport?: unknown;
  availablePushMethods?: unknown;
  [extra: string]: unknown;
}

/** token-requestors.json with the placeholder replaced; undefined when the folder has none. */
export async function readRequestorListText(assetDir: string, origin: string): Promise<string | undefined> {
  try {
    const text = await readFile(path.join(assetDir, 'token-requestors.json'), 'utf8');
    return text.replaceAll(SIMULATOR_ORIGIN_PLACEHOLDER, origin);
  } catch {
    return undefined;
  }
}

/** The requestor with that ID from the folder's list (placeholder replaced), if the list is readable. */
export async function findSimulatedRequestor(assetDir: string, origin: string, tokenRequestorId: string): Promise<SimulatedRequestor | undefined> {
  const text = await readRequestorListText(assetDir, origin);
  if (text === undefined) return undefined;
  try {
    const list = (JSON.parse(text) as { tokenRequestors?: unknown }).tokenRequestors;
    if (!Array.isArray(list)) return undefined;
    return list.find((entry: SimulatedRequestor | null) => entry?.tokenRequestorId === tokenRequestorId) as SimulatedRequestor | undefined;
  } catch {
    return undefined;
  }
}

/** The simulator's account-range rule for a card: its number starts with one of the requestor's ranges (none listed = any). */
export function isInEnabledRanges(accountNumber: string, enabledAccountRanges: unknown): boolean {
  if (!Array.isArray(enabledAccountRanges)) return true;
  return enabledAccountRanges.some((range) => typeof range === 'string' && accountNumber.startsWith(range));
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
