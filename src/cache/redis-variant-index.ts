/**
 * The variant index in Redis, shared by every instance using CACHE_URL: a sorted set (member = cache key,
 * score = last use in ms), a hash of sizes and a byte total, updated atomically by one script that also pops
 * the least recently used members while the total is over the bound and returns them for deletion.
 */
import type { SharedRedisClient } from '../service/shared-redis.ts';
import type { VariantIndex } from './variant-bound.ts';

const ADD_AND_EVICT = `
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then redis.call('DECRBY', KEYS[3], old) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
local total = redis.call('INCRBY', KEYS[3], ARGV[2])
local evicted = {}
while total > tonumber(ARGV[4]) do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)
  if #oldest == 0 then break end
  local member = oldest[1]
  local size = redis.call('HGET', KEYS[2], member) or '0'
  redis.call('ZREM', KEYS[1], member)
  redis.call('HDEL', KEYS[2], member)
  total = redis.call('DECRBY', KEYS[3], size)
  table.insert(evicted, member)
end
return evicted
`;

const REMOVE = `
local size = redis.call('HGET', KEYS[2], ARGV[1])
if size then
  redis.call('DECRBY', KEYS[3], size)
  redis.call('HDEL', KEYS[2], ARGV[1])
end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`;

export function createRedisVariantIndex(client: SharedRedisClient, options: { prefix: string; maxBytes: number; now?: () => number }): VariantIndex {
  const now = options.now ?? Date.now;
  const keys = [`${options.prefix}variants:lru`, `${options.prefix}variants:size`, `${options.prefix}variants:bytes`];
  return {
    async add(key, bytes) {
      const evicted = await client.eval(ADD_AND_EVICT, { keys, arguments: [key, String(bytes), String(now()), String(options.maxBytes)] });
      return Array.isArray(evicted) ? evicted.map(String) : [];
    },
    async touch(key) {
      await client.zAdd(keys[0]!, { score: now(), value: key }, { XX: true });
    },
    async remove(key) {
      await client.eval(REMOVE, { keys, arguments: [key] });
    },
    async totalBytes() {
      return Number((await client.get(keys[2]!)) ?? 0);
    },
  };
}
