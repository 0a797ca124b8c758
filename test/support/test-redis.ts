import { randomUUID } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll } from 'vitest';

/** The Redis CI starts (and this kind of machine runs) for the tests. */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * A key prefix of this test file's own on the shared test Redis, and an admin client: connected before the file's
 * (or describe block's) tests, and every key under the prefix deleted after them. Later `afterAll` hooks (closing the
 * stores under test) run before this cleanup, since vitest runs after-hooks in reverse order.
 */
function adminClient() {
  return createClient({ url: TEST_REDIS_URL });
}

export function useTestRedis(): { prefix: string; admin: ReturnType<typeof adminClient> } {
  const prefix = `card-art-test:${randomUUID()}:`;
  const admin = adminClient();
  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(keys);
    await admin.close();
  });
  return { prefix, admin };
}
