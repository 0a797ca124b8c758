# card-art: Node 24 runs the TypeScript sources directly (type stripping), so there is no build stage.
FROM node:24-slim

# Two glibc malloc arenas instead of 8 per core, and a fixed 128 KB mmap threshold so an evicted cached image
# returns its memory: libvips' threads and large buffers otherwise fragment native memory (RSS).
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    PORT=8080 \
    CACHE_DIR=/app/assets-cache

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY src ./src

RUN groupadd --system cardart && useradd --system --gid cardart --home /app cardart \
    && mkdir -p /app/assets-cache && chown cardart:cardart /app/assets-cache
USER cardart

VOLUME /app/assets-cache
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# A 4 MB young-generation semi-space: V8 would grow it to 32 MB under load, all of it resident. A 64 MB initial old
# generation: with V8's own (~12 MB above the live heap) cold renders ran a full mark-compact every ~250 ms.
CMD ["node", "--max-semi-space-size=4", "--initial-old-space-size=64", "src/server.ts"]
