/**
 * How production starts the service (package.json `start`, Dockerfile); test/bench/production-settings.test.ts
 * keeps the three in step. Tests and the benchmark that spawn src/server.ts use the same.
 */

/**
 * Two glibc malloc arenas instead of 8 per core, which keeps libvips' worker threads from fragmenting native memory;
 * and a fixed 128 KB mmap threshold: glibc otherwise raises it to the largest block freed (libvips' 6 MB regions),
 * so the cached images (100–300 KB each) are carved from the arenas between short-lived buffers and their memory is
 * never returned — end RSS after the 60 s soak at the default caps was 1.34x idle + caps, with it 0.80x (issue #13).
 */
export const PRODUCTION_SERVICE_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' } as const;
/**
 * A 4 MB young-generation semi-space (V8 grows it to 32 MB under load, all resident), and a 64 MB initial old
 * generation: V8 otherwise sets the old-generation limit ~12 MB above the ~28 MB live heap, starts marking as soon as
 * that slack is below the young generation's size, and under cold renders (whose in-flight objects are promoted)
 * ran a full mark-compact every ~250 ms, ~1.3 CPU-ms per card (bench row 8, issue #13; RSS unchanged in row 6).
 */
export const PRODUCTION_NODE_FLAGS = ['--max-semi-space-size=4', '--initial-old-space-size=64'] as const;
