import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { AssetSource, TokenRequestor } from '../upstream/asset-source.ts';

/** 14 days: Mastercard asks issuers to refresh the eligible requestor list about every two weeks. */
export const DEFAULT_TOKEN_REQUESTORS_REFRESH_HOURS = 336;
/** Distinct account-range sets remembered; an issuer has a handful, so this only bounds abuse. */
const MAX_RANGE_SETS = 1000;

export interface RequestorList {
  tokenRequestors: TokenRequestor[];
  /** When the list was fetched from upstream (ms since epoch). */
  fetchedAt: number;
}

export interface TokenRequestorDirectory {
  /** The list for a validated set of ranges: cached per set, refreshed after the interval, served stale meanwhile. */
  get(accountRanges: string[], signal?: AbortSignal): Promise<RequestorList>;
}

export interface TokenRequestorDirectoryOptions {
  source: Pick<AssetSource, 'getEligibleTokenRequestors'>;
  refreshIntervalMs: number;
  log: Logger;
  now?: () => number;
}

interface Slot {
  list?: RequestorList;
  refreshing?: Promise<RequestorList>;
}

export function createTokenRequestorDirectory(options: TokenRequestorDirectoryOptions): TokenRequestorDirectory {
  const { source, refreshIntervalMs, log } = options;
  const now = options.now ?? Date.now;
  const slots = new LRUCache<string, Slot>({ max: MAX_RANGE_SETS });

  function refresh(key: string, slot: Slot, ranges: string[]): Promise<RequestorList> {
    slot.refreshing ??= source
      .getEligibleTokenRequestors(ranges)
      .then((response) => {
        const list = { tokenRequestors: response.tokenRequestors ?? [], fetchedAt: now() };
        slot.list = list;
        return list;
      })
      .finally(() => {
        slot.refreshing = undefined;
      });
    return slot.refreshing;
  }

  return {
    async get(accountRanges) {
      const ranges = [...new Set(accountRanges)].sort();
      const key = ranges.join(',');
      let slot = slots.get(key);
      if (!slot) {
        slot = {};
        slots.set(key, slot);
      }
      if (!slot.list) return refresh(key, slot, ranges);
      if (now() - slot.list.fetchedAt >= refreshIntervalMs && !slot.refreshing) {
        refresh(key, slot, ranges).catch((error: unknown) => {
          log.warn({ err: error }, 'token requestor refresh failed; serving the previous list');
        });
      }
      return slot.list;
    },
  };
}
