# card-art: Node 24 runs the TypeScript sources directly (type stripping), so there is no build stage.
FROM node:24-slim

ENV NODE_ENV=production \
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

CMD ["node", "src/server.ts"]
