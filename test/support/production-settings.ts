/**
 * How production starts the service (package.json `start`, Dockerfile); test/bench/production-settings.test.ts
 * keeps the three in step. Tests and the benchmark that spawn src/server.ts use the same.
 */

/** Two glibc malloc arenas instead of 8 per core, which keeps libvips' worker threads from fragmenting native memory. */
export const PRODUCTION_SERVICE_ENV = { MALLOC_ARENA_MAX: '2' } as const;
/** A 4 MB young-generation semi-space (V8 grows it to 32 MB under load, all resident). */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=4'] as const;
