/**
 * What the shared tier needs from Redis (src/cache/README.md "Redis as the shared tier"): a memory bound, and an
 * eviction policy that evicts nothing that must stay (token records and push receipts live next to the cache entries).
 * Checked once at start; a setting that will hurt is logged as a warning, never a reason not to start.
 */

export interface RedisSettings {
  maxmemory: string | undefined;
  maxmemoryPolicy: string | undefined;
}

/** The warnings the given settings deserve (empty when they fit: a memory bound and noeviction). */
export function assessRedisSettings(settings: RedisSettings): string[] {
  const warnings: string[] = [];
  if (settings.maxmemory === '0') {
    warnings.push('Redis maxmemory is 0 (unbounded): Redis grows with every new asset and render until the host runs out of memory; set maxmemory');
  }
  const policy = settings.maxmemoryPolicy;
  if (policy?.startsWith('allkeys-')) {
    warnings.push(`Redis maxmemory-policy is ${policy}: it can evict token records, which must stay; use noeviction`);
  } else if (policy?.startsWith('volatile-')) {
    warnings.push(`Redis maxmemory-policy is ${policy}: it can evict push receipts before they expire; use noeviction`);
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
