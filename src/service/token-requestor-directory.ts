import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { requestorListCacheKey } from '../cache-keys.ts';
import type { CacheEntry } from '../cache/cache-types.ts';
import type { AssetSource, TokenRequestor } from '../upstream/asset-source.ts';

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
  /** A requestor by ID from the lists this instance holds (no upstream call); undefined when none has it. */
  find(tokenRequestorId: string): TokenRequestor | undefined;
}

export interface TokenRequestorDirectoryOptions {
  source: Pick<AssetSource, 'getEligibleTokenRequestors'>;
  refreshIntervalMs: number;
  log: Logger;
  now?: () => number;
  /** Where lists outlive a restart (the shared cache), so an upstream outage after a restart still has one. */
  persist?: { get(key: string): Promise<CacheEntry | undefined>; set(key: string, entry: CacheEntry): Promise<void> };
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
      .then(async (response) => {
        const list = { tokenRequestors: response.tokenRequestors ?? [], fetchedAt: now() };
        slot.list = list;
        await persistList(key, list);
        return list;
      })
      .finally(() => {
        slot.refreshing = undefined;
      });
    return slot.refreshing;
  }

  async function persistList(key: string, list: RequestorList): Promise<void> {
    const entry = { bytes: Buffer.from(JSON.stringify(list.tokenRequestors)), meta: { fetchedAt: String(list.fetchedAt) } };
    await options.persist?.set(requestorListCacheKey(key), entry).catch((error: unknown) => {
      log.warn({ err: error }, 'could not persist the token requestor list');
    });
  }

  /** A list persisted by an earlier run; unreadable entries count as absent. */
  async function restoreList(key: string): Promise<RequestorList | undefined> {
    try {
      const entry = await options.persist?.get(requestorListCacheKey(key));
      if (!entry) return undefined;
      const tokenRequestors = JSON.parse(entry.bytes.toString('utf8')) as unknown;
      const fetchedAt = Number(entry.meta.fetchedAt);
      if (!Array.isArray(tokenRequestors) || !Number.isFinite(fetchedAt)) return undefined;
      return { tokenRequestors: tokenRequestors as TokenRequestor[], fetchedAt };
    } catch {
      return undefined;
    }
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
      slot.list ??= await restoreList(key);
      if (!slot.list) return refresh(key, slot, ranges);
      if (now() - slot.list.fetchedAt >= refreshIntervalMs && !slot.refreshing) {
        refresh(key, slot, ranges).catch((error: unknown) => {
          log.warn({ err: error }, 'token requestor refresh failed; serving the previous list');
        });
      }
      return slot.list;
    },

    find(tokenRequestorId) {
      for (const slot of slots.values()) {
        const found = slot.list?.tokenRequestors.find((requestor) => requestor.tokenRequestorId === tokenRequestorId);
        if (found) return found;
      }
      return undefined;
    },
  };
}
