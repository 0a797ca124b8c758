/**
 * What the shared tier needs from Redis (src/cache/README.md "Redis as the shared tier"): a memory bound, and an
 * eviction policy that can evict cache entries (they carry no TTL) without evicting records that must stay.
 * Checked once at start; a setting that will hurt is logged as a warning, never a reason not to start.
 */

export interface RedisSettings {
  maxmemory: string | undefined;
  maxmemoryPolicy: string | undefined;
}

/** The warnings the given settings deserve (empty when they fit a cache-only Redis). */
export function assessRedisSettings(settings: RedisSettings): string[] {
  const warnings: string[] = [];
  if (settings.maxmemory === '0') {
    warnings.push('Redis maxmemory is 0 (unbounded): the cache grows with every new asset and render until the host runs out of memory; set maxmemory');
  }
  const policy = settings.maxmemoryPolicy;
  if (policy === 'noeviction') {
    warnings.push('Redis maxmemory-policy is noeviction: once full, cache writes fail (entries are then loaded again by every instance); use allkeys-lru on a Redis (or database) that holds only the cache');
  } else if (policy?.startsWith('volatile-')) {
    warnings.push(`Redis maxmemory-policy is ${policy}: cache entries have no TTL, so they are never evicted and writes fail once full; use allkeys-lru on a Redis (or database) that holds only the cache`);
  }
  return warnings;
}

export interface SettingsLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Reads the settings (CONFIG GET) and logs what does not fit; a refused CONFIG or an absent Redis is logged at info. */
export async function checkRedisSettings(read: () => Promise<RedisSettings>, log: SettingsLog): Promise<string[]> {
  let settings: RedisSettings;
  try {
    settings = await read();
  } catch (error) {
    log.info(
      { reason: error instanceof Error ? error.message : String(error) },
      'could not read the Redis maxmemory settings (CONFIG refused or Redis away); see the cache README for what they should be',
    );
    return [];
  }
  const warnings = assessRedisSettings(settings);
  for (const warning of warnings) log.warn({ maxmemory: settings.maxmemory, maxmemoryPolicy: settings.maxmemoryPolicy }, warning);
  return warnings;
}
