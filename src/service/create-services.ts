import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Logger } from 'pino';
import { assetCacheKey } from '../cache-keys.ts';
import { createCachedMediaLoader } from '../cache/cached-media-loader.ts';
import type { CacheStore } from '../cache/cache-types.ts';
import { createPersistentStore } from '../cache/create-store.ts';
import { createNegativeCache } from '../cache/negative-cache.ts';
import { createRedisFleetLock } from '../cache/redis-fleet-lock.ts';
import { checkRedisSettings } from '../cache/redis-settings-check.ts';
import { createTieredCache } from '../cache/tiered-cache.ts';
import { BUNDLED_SAMPLES_DIR, type AppConfig } from '../config.ts';
import { createCardRenderer } from '../core/card-renderer.ts';
import { decodeBestMedia } from '../core/decode-asset-body.ts';
import { createRasterizer } from '../core/rasterizer.ts';
import { startSimulator, type RunningSimulator } from '../simulator/simulator-server.ts';
import { createHttpAssetSource } from '../upstream/http-asset-source.ts';
import { createEphemeralSimulatorSigner, createOAuthSigner, loadSigningKey, type RequestSigner } from '../upstream/oauth-signer.ts';
import { ACCOUNT_RANGE_PATTERN, MAX_ACCOUNT_RANGES } from '../upstream/validate-input.ts';
import { createAssetPrewarmer } from './asset-prewarmer.ts';
import { createUpstreamBudget, PREWARM_UPSTREAM_SHARE, shareOfBudget } from '../upstream/upstream-budget.ts';
import { createSharedRedis } from './shared-redis.ts';
import { createFileJournal, createRedisJournal } from './prewarm-journal.ts';
import { createReadiness } from './readiness.ts';
import { runColourCheck } from './colour-readiness.ts';
import { createRenderContext } from './render-context.ts';
import { boundPersistentStore } from '../cache/bounded-store.ts';
import { createTokenServices } from './token-services.ts';
import { generateEncryptionKeyPair } from '../upstream/field-level-encryption.ts';
import type { AppDeps } from './create-app.ts';
import { createRequestorLogos } from './requestor-logos.ts';
import type { DemoCard, DemoData } from './routes/demo-routes.ts';
import { createTokenRequestorDirectory } from './token-requestor-directory.ts';
import { createProvisioningService, createRequestorLookup } from './push-provisioning/provisioning-service.ts';
import { createReceiptStore } from './push-provisioning/receipt-store.ts';
import { loadPushDemoCards } from './routes/push-demo-routes.ts';
import { createPayloadEncrypter } from '../upstream/field-level-encryption.ts';
import { createPushAccountsClient } from '../upstream/push-multiple-accounts.ts';

export interface Services {
  deps: AppDeps;
  /** The embedded simulator, when no MDES_BASE_URL was given. */
  simulator: RunningSimulator | undefined;
  /** Closes the cache (flushing pending writes), the PDF worker pool and the simulator. */
  close(): Promise<void>;
}

export interface ServiceOverrides {
  /** A persistent store other than the configured one (tests). */
  store?: CacheStore;
}

/** The composition root: config → upstream (embedded simulator or MDES) → cache → renderer → app deps. */
export async function createServices(
  config: AppConfig,
  log: Logger,
  overrides: ServiceOverrides = {},
): Promise<Services> {
  // libvips' operation cache (up to 50 MB) only pins old input and output buffers here: sharp's inputs are fresh
  // buffers every render, and finished layers are kept by the renderer's own byte-bounded layer cache.
  sharp.cache(false);
  const { upstream, service: serviceConfig } = config;
  let simulator: RunningSimulator | undefined;
  let baseUrl = upstream.baseUrl;
  let signer: RequestSigner;
  // Embedded mode: the service makes the key pair Notify Token Updated payloads are encrypted for, and the
  // simulator (playing MDES) gets its certificate, so the real decryption path runs.
  const ntuKeyPair =
    baseUrl === undefined && !config.provisioning.decryptionKey ? generateEncryptionKeyPair('card-art notify token updated') : undefined;
  if (baseUrl === undefined) {
    const ephemeral = createEphemeralSimulatorSigner();
    simulator = await startSimulator({
      assetDir: upstream.simulatorAssetDir,
      port: 0,
      host: '127.0.0.1',
      verifyKeyPem: ephemeral.publicKeyPem,
      paths: {
        assetPath: upstream.assetPath,
        tokenConnectPath: upstream.tokenConnectPath,
        requestorAssetPath: upstream.requestorAssetPath,
      },
      ...(ntuKeyPair ? { notifyTokenUpdated: { certificatePem: ntuKeyPair.certificatePem, oaepDigest: config.provisioning.oaepDigest } } : {}),
    });
    baseUrl = simulator.baseUrl;
    signer = ephemeral.signer;
  } else {
    const credentials = upstream.credentials;
    if (!credentials) throw new Error('MDES_BASE_URL is set without credentials');
    signer = createOAuthSigner({
      consumerKey: credentials.consumerKey,
      signingKeyPem: loadSigningKey(credentials.signingKeyPath, credentials.signingKeyPassword),
    });
  }

  // Readiness learns MDES's state from real calls, so /readyz need not call it per request.
  let recordUpstream: (answered: boolean) => void = () => {};
  const budget = createUpstreamBudget({ maxRps: serviceConfig.upstreamMaxRps, maxWaitMs: serviceConfig.upstreamBudgetWaitMs });
  const source = createHttpAssetSource({
    budget,
    onAttempt: (answered) => recordUpstream(answered),
    baseUrl,
    assetPath: upstream.assetPath,
    tokenConnectPath: upstream.tokenConnectPath,
    requestorAssetPath: upstream.requestorAssetPath,
    timeoutMs: upstream.timeoutMs,
    signer,
  });
  const sharedRedis = config.cacheUrl ? createSharedRedis(config.cacheUrl) : undefined;
  const rawStore =
    overrides.store ??
    createPersistentStore({ cacheDir: config.cacheDir, cacheUrl: config.cacheUrl }, { redis: { prefix: config.cacheKeyPrefix } });
  // Cache entries go through the CACHE_MAX_MB bound; token records are data and use the store directly.
  const store = boundPersistentStore(rawStore, {
    cacheDir: config.cacheDir, maxBytes: serviceConfig.cacheMaxBytes, redis: sharedRedis?.client, log, prefix: config.cacheKeyPrefix });
  // Many instances on one Redis load each cold key once between them.
  const fleetLock =
    config.cacheUrl && !overrides.store
      ? createRedisFleetLock(config.cacheUrl, { prefix: config.cacheKeyPrefix, ttlMs: config.cacheLockTtlMs })
      : undefined;
  if (fleetLock) void checkRedisSettings(() => fleetLock.readSettings(), log);
  const cache = createTieredCache({ memoryBytes: config.memoryCacheBytes, store, log, fleetLock, lockWaitMs: config.cacheLockWaitMs });
  const failures = createNegativeCache({ ttlMs: config.negativeCacheSeconds * 1000 });
  // The rasterizer processes learn whose work each job is from the request that started it.
  const renderContext = createRenderContext();
  const rasterizer = createRasterizer({
    processes: serviceConfig.rasterizerProcesses,
    caller: renderContext.rasterizerCaller,
    warm: true,
    onProcessExit: (event) => log.warn({ rasterizer: event }, 'rasterizer process stopped; a new one takes its place'),
  });
  // Page sizes of PDFs are read in the PDF worker, so pdf.js never loads on the main thread.
  const decode = (body: unknown) => decodeBestMedia(body, { readPdfPageSize: (bytes) => rasterizer.readPdfPageSize(bytes) });
  const loadMedia = createCachedMediaLoader({
    cache,
    fetchAsset: (assetId, signal) => source.getAsset(assetId, signal),
    decode,
    failures,
  });

  const tokenRequestors = createTokenRequestorDirectory({
    source,
    refreshIntervalMs: serviceConfig.tokenRequestorsRefreshMs,
    log,
    // The simulator's list names its own origin, whose port changes every start: never reuse an old run's copy.
    ...(simulator ? {} : { persist: cache }),
  });
  const prewarmer = createAssetPrewarmer({
    isCached: async (assetId) => (await cache.get(assetCacheKey(assetId))) !== undefined,
    load: (assetId) => loadMedia(assetId),
    log,
    journal: sharedRedis
      ? createRedisJournal(sharedRedis.client, { prefix: config.cacheKeyPrefix })
      : createFileJournal(config.cacheDir),
    budget: createUpstreamBudget({
      maxRps: shareOfBudget(serviceConfig.upstreamMaxRps, PREWARM_UPSTREAM_SHARE),
      maxWaitMs: serviceConfig.upstreamBudgetWaitMs,
    }),
  });
  // Accepted pre-warm work of an earlier run (or another instance) continues in the background.
  void prewarmer.resume().catch((error: unknown) => log.warn({ err: error }, 'could not resume the pre-warm queue'));
  const readiness = createReadiness({
    probeUpstream: (signal) => source.ping(signal),
    pingCache: () => cache.ping(),
    intervalMs: serviceConfig.readinessProbeIntervalMs,
    rendererAlive: () => rasterizer.alive(),
    // One CMYK swatch drawn in the rasterizer at start: logs an error and reports `colour` degraded without qcms.
    colourCheck: runColourCheck(rasterizer, log),
  });
  recordUpstream = (answered) => readiness.recordUpstream(answered);
  const demo = await loadDemoData(simulator ? upstream.simulatorAssetDir : BUNDLED_SAMPLES_DIR);
  const tokens = await createTokenServices({
    store: rawStore,
    prewarmer,
    provisioning: config.provisioning,
    decryptionKeys: config.provisioning.decryptionKey ? [config.provisioning.decryptionKey] : ntuKeyPair ? [ntuKeyPair] : [],
    simulator,
    demoCards: demo.cards,
    log,
  });
  // Embedded mode encrypts for the simulator's "Mastercard" key, so the real encryption path always runs.
  const encryptionCertificatePem = simulator ? simulator.push.encryptionCertificatePem : config.provisioning.encryptionCertificatePem;
  const provisioning = createProvisioningService({
    pushClient: encryptionCertificatePem
      ? createPushAccountsClient({
          transport: source,
          encrypter: createPayloadEncrypter({ certificatePem: encryptionCertificatePem, oaepDigest: config.provisioning.oaepDigest }),
        })
      : undefined,
    findRequestor: createRequestorLookup(tokenRequestors, serviceConfig.issuerAccountRanges ?? (simulator ? demo.accountRanges : undefined)),
    receipts: createReceiptStore({ store, log }),
    urlRules: { allowLoopbackHttp: simulator !== undefined },
  });

  const deps: AppDeps = {
    renderer: createCardRenderer({
      loadMedia,
      rasterizer,
      forgetMedia: (assetId) => cache.delete(assetCacheKey(assetId)),
      layerCacheBytes: serviceConfig.layerCacheBytes,
      failures,
    }),
    logos: createRequestorLogos({ source, cache, rasterizer, decode, failures }),
    failures,
    renderContext,
    cache,
    tokenRequestors,
    prewarmer,
    readiness,
    upstreamStats: () => source.stats(),
    isolationStats: () => ({
      upstreamBudgetRefused: budget.refused(),
      rasterizerRestarts: rasterizer.processStats()?.replaced ?? 0,
      rememberedFailureHits: failures.hits,
    }),
    demo,
    provisioning,
    apiTokens: config.provisioning.apiTokens,
    pushDemoCards: await loadPushDemoCards(simulator ? upstream.simulatorAssetDir : BUNDLED_SAMPLES_DIR),
    tokens,
    log,
    settings: serviceConfig,
    ...(sharedRedis ? { rateLimitRedis: sharedRedis.client, rateLimitKeyPrefix: `${config.cacheKeyPrefix}rate-limit` } : {}),
  };

  return {
    deps,
    simulator,
    async close() {
      await prewarmer.close();
      const results = await Promise.allSettled([cache.close(), rasterizer.close(), simulator?.close()]);
      await sharedRedis?.close();
      for (const result of results) {
        if (result.status === 'rejected') log.warn({ err: result.reason }, 'error while closing');
      }
    },
  };
}

/** Asked for when the requestor list names no ranges (requestors without enabledAccountRanges match any). */
export const DEMO_FALLBACK_ACCOUNT_RANGE = '522222000';

/**
 * The demo page's cards (demo-cards.json) and the account ranges of the requestor list
 * (token-requestors.json) from the simulator folder; missing files leave the demo empty.
 */
export async function loadDemoData(dir: string): Promise<DemoData> {
  const cards = (await readJsonIfPresent(path.join(dir, 'demo-cards.json'))) as DemoCard[] | undefined;
  const requestors = (await readJsonIfPresent(path.join(dir, 'token-requestors.json'))) as
    | { tokenRequestors?: Array<{ enabledAccountRanges?: unknown }> }
    | undefined;
  const ranges = new Set<string>();
  for (const requestor of requestors?.tokenRequestors ?? []) {
    for (const range of Array.isArray(requestor.enabledAccountRanges) ? requestor.enabledAccountRanges : []) {
      if (typeof range === 'string' && ACCOUNT_RANGE_PATTERN.test(range)) ranges.add(range);
    }
  }
  if (ranges.size === 0) ranges.add(DEMO_FALLBACK_ACCOUNT_RANGE);
  return { cards: Array.isArray(cards) ? cards : [], accountRanges: [...ranges].slice(0, MAX_ACCOUNT_RANGES) };
}

async function readJsonIfPresent(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
