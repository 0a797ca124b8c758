import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { TieredCache } from '../cache/cache-types.ts';
import type { ServiceConfig } from '../config.ts';
import type { NegativeCache } from '../cache/negative-cache.ts';
import type { CardRenderer } from '../core/card-renderer.ts';
import type { UpstreamStats } from '../upstream/http-asset-source.ts';
import type { AssetPrewarmer } from './asset-prewarmer.ts';
import { errorHandler, notFoundHandler } from './error-handler.ts';
import { buildOpenApiDocument } from './openapi.ts';
import type { RenderContext } from './render-context.ts';
import { createRenderQueue, type RenderQueue } from './render-queue.ts';
import { createRenderedImageCache } from './rendered-image-cache.ts';
import { createRateLimiter, RATE_LIMIT_KEY_PREFIX, type RateLimitRedisClient } from './rate-limit.ts';
import { createMemoryHitFastPath, type MemoryHitFastPath } from './memory-hit-fast-path.ts';
import { createRequestRecorder, observeRequests } from './request-observer.ts';
import type { RequestorLogos } from './requestor-logos.ts';
import { demoRoutes, type DemoData } from './routes/demo-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import type { Readiness } from './readiness.ts';
import { createClientRenderGate } from './client-render-gate.ts';
import { enforceRequestLimits } from './request-limits.ts';
import { imageRoutes } from './routes/image-routes.ts';
import { productConfigRoutes } from './routes/product-config-routes.ts';
import { pushProvisioningRoutes } from './routes/push-provisioning-routes.ts';
import { pushDemoRoutes, type PushDemoCard } from './routes/push-demo-routes.ts';
import type { ProvisioningService } from './push-provisioning/provisioning-service.ts';
import { tokenConnectRoutes } from './routes/token-connect-routes.ts';
import { notifyTokenUpdatedRoutes } from './routes/notify-token-updated-routes.ts';
import { tokenRoutes } from './routes/token-routes.ts';
import { requireBearerToken } from './bearer-auth.ts';
import { createCallerAllowList } from './caller-allow-list.ts';
import { demoTokenRoutes, type DemoTokenRouteDeps } from './demo-tokens.ts';
import type { NtuReceiver } from './ntu-receiver.ts';
import type { TokenRecords } from './token-records.ts';
import { createServiceMetrics, type IsolationStats, type ServiceMetrics } from './service-metrics.ts';
import type { TokenRequestorDirectory } from './token-requestor-directory.ts';

/** A productConfig list or card request is a few KB; 64 KB leaves room without inviting abuse. */
export const JSON_BODY_LIMIT = '64kb';
/** Every endpoint that can cause upstream or render work: what the per-client rate limit protects. */
export const RATE_LIMITED_PATHS = [
  '/v1/card-art',
  '/v1/assets',
  '/v1/token-requestor-assets',
  '/v1/token-requestors',
  '/v1/product-configs',
  '/v1/push-provisioning',
  '/v1/pull-provisioning',
  // The demo's "new card art from the issuer" makes the simulator send a Notify Token Updated, which pre-warms.
  '/demo/tokens',
];
/** `POST` only: writing a token record, counted with the paths above under RATE_LIMIT_PER_MINUTE. */
export const RATE_LIMITED_TOKEN_WRITES = '/v1/tokens';

export interface AppDeps {
  renderer: CardRenderer;
  logos: RequestorLogos;
  cache: TieredCache;
  tokenRequestors: TokenRequestorDirectory;
  prewarmer: AssetPrewarmer;
  readiness: Readiness;
  upstreamStats?: () => UpstreamStats;
  /** Counts of the service's refusals and isolation events, for /metrics. */
  isolationStats?: () => IsolationStats;
  demo: DemoData;
  log: Logger;
  /** The service settings, complete (defaults were applied once, by loadConfig). */
  settings: Pick<ServiceConfig, 'renderConcurrency' | 'renderQueueLimit' | 'renderMaxPerClient' | 'renderQueueWaitMs' | 'rateLimitPerMinute' | 'trustProxy'>;
  /** Shared rate-limit counters (CACHE_URL): a node-redis client. */
  rateLimitRedis?: RateLimitRedisClient;
  /** Redis key prefix of the shared rate-limit counters (CACHE_KEY_PREFIX + "rate-limit"). */
  rateLimitKeyPrefix?: string;
  /** Remembered failures: renders that failed for an asset's own reasons answer from here without queueing. */
  failures?: NegativeCache;
  /** Whose cold work is running, for the rasterizer processes' turns (the rasterizer was given its caller side). */
  renderContext?: RenderContext;
  /** Push and pull provisioning; absent = those routes are not mounted. */
  provisioning?: ProvisioningService;
  /** API_TOKENS for the provisioning routes; undefined = open (embedded simulator only). */
  apiTokens?: readonly string[];
  /** Test cards for the demo's "Push to wallet" screen (push-cards.json). */
  pushDemoCards?: PushDemoCard[];
  /** Token records, the Notify Token Updated receiver and the by-token endpoints; absent = not mounted. */
  tokens?: TokenDeps;
}

export interface TokenDeps {
  records: TokenRecords;
  /** Undefined: the receiver answers 501 NOT_CONFIGURED. */
  ntuReceiver: NtuReceiver | undefined;
  ntuResponseHost: string;
  ntuAllowedIps?: string[];
  /** NTU_RATE_LIMIT_PER_SECOND (0 = off); counted per client address like RATE_LIMIT_PER_MINUTE, in its own counters. */
  ntuRateLimitPerSecond: number;
  apiTokens?: string[];
  /** The demo's seeded tokens and its "new card art from the issuer" action (embedded mode). */
  demo?: DemoTokenRouteDeps;
}

type ExpressHandle = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

export interface CardArtApp extends Express {
  locals: Express['locals'] & { renderQueue: RenderQueue; metrics: ServiceMetrics; fastPath?: MemoryHitFastPath };
}

/** The express app (no listen): routes validate, call the core and set headers; one middleware maps errors. */
export function createApp(deps: AppDeps): CardArtApp {
  const { log, settings } = deps;
  const renderQueue = createRenderQueue({
    concurrency: settings.renderConcurrency,
    limit: settings.renderQueueLimit,
    maxWaitMs: settings.renderQueueWaitMs,
  });
  const gate = createClientRenderGate({ maxPerClient: settings.renderMaxPerClient });
  const metrics = createServiceMetrics({
    cacheStats: () => deps.cache.stats(),
    upstreamStats: deps.upstreamStats,
    renderQueue,
    layerCacheStats: () => deps.renderer.layerCacheStats(),
    renderClientRefused: () => gate.refused(),
    isolationStats: deps.isolationStats,
  });
  const images = createRenderedImageCache({
    cache: deps.cache,
    queue: renderQueue,
    gate,
    onRendered: (kind, seconds) => metrics.observeRender(kind, seconds),
    failures: deps.failures,
    context: deps.renderContext,
  });
  const openApi = buildOpenApiDocument();
  const recordRequest = createRequestRecorder(log, metrics);
  // Memory hits of validated URLs answered before express; only while no rate limit must count them.
  const fastPath =
    settings.rateLimitPerMinute === 0
      ? createMemoryHitFastPath({
          readMemory: (key) => deps.cache.peekMemory(key),
          recorder: (method, route, status) => recordRequest.series(method, route, status),
        })
      : undefined;

  const app = express() as CardArtApp;
  app.locals.renderQueue = renderQueue;
  app.locals.metrics = metrics;
  if (fastPath) app.locals.fastPath = fastPath;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  if (settings.trustProxy !== undefined) app.set('trust proxy', settings.trustProxy);
  app.use(observeRequests(log, metrics, recordRequest.record));
  app.use(enforceRequestLimits);
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  // Before the app's JSON parser: the receiver checks its caller before reading a body, with its own size bound.
  if (deps.tokens) {
    app.use(
      notifyTokenUpdatedRoutes({
        receiver: deps.tokens.ntuReceiver,
        responseHost: deps.tokens.ntuResponseHost,
        isCallerAllowed: createCallerAllowList(deps.tokens.ntuAllowedIps),
        rateLimit: createRateLimiter({
          perSecond: deps.tokens.ntuRateLimitPerSecond,
          refusalStatus: 503,
          ...(deps.rateLimitRedis ? { redis: deps.rateLimitRedis } : {}),
          keyPrefix: `${deps.rateLimitKeyPrefix ?? RATE_LIMIT_KEY_PREFIX}:ntu`,
        }),
        log,
      }),
    );
  }
  app.use(express.json({ limit: JSON_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));

  app.use(healthRoutes({ readiness: deps.readiness, registry: metrics.registry }));
  app.get('/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json(openApi);
  });
  const rateLimit = createRateLimiter({
    perMinute: settings.rateLimitPerMinute,
    ...(deps.rateLimitRedis ? { redis: deps.rateLimitRedis } : {}),
    ...(deps.rateLimitKeyPrefix ? { keyPrefix: deps.rateLimitKeyPrefix } : {}),
  });
  app.use(RATE_LIMITED_PATHS, rateLimit);
  // Token writes too (each one is a record kept for good); reading a token is left to the bearer token alone.
  app.post(RATE_LIMITED_TOKEN_WRITES, rateLimit);
  app.use(imageRoutes({ renderer: deps.renderer, images, metrics, fastPath }));
  app.use(tokenConnectRoutes({ tokenRequestors: deps.tokenRequestors, logos: deps.logos, images }));
  app.use(productConfigRoutes({ prewarmer: deps.prewarmer }));
  if (deps.provisioning) app.use(pushProvisioningRoutes({ provisioning: deps.provisioning, apiTokens: deps.apiTokens }));
  app.use(pushDemoRoutes(deps.pushDemoCards ?? []));
  if (deps.tokens) app.use(tokenRoutes({ records: deps.tokens.records, auth: requireBearerToken(deps.tokens.apiTokens) }));
  if (deps.tokens?.demo) app.use(demoTokenRoutes(deps.tokens.demo));
  app.use(demoRoutes(deps.demo));

  app.use(notFoundHandler);
  app.use(errorHandler(log));
  if (fastPath) {
    const handle = (app as unknown as { handle: ExpressHandle }).handle.bind(app);
    (app as unknown as { handle: ExpressHandle }).handle = (req, res, next) => {
      if (!fastPath.tryAnswer(req, res)) handle(req, res, next);
    };
  }
  return app;
}
