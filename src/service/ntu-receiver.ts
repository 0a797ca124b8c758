/**
 * Notify Token Updated, without HTTP: decrypt, validate, record each token (newest statusTimestamp
 * wins), queue every asset ID not cached yet for a background fetch, and remember the requestId so MDES's
 * retries are acknowledged without the work being done twice.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ASSET_ID_FIELDS, parseProductConfig } from '../core/product-config.ts';
import { CardArtError, isCardArtError } from '../errors.ts';
import type { PayloadDecrypter } from '../upstream/field-level-encryption.ts';
import type { AssetPrewarmer } from './asset-prewarmer.ts';
import { ntuPayloadSchema, ntuRequestSchema, type NtuToken } from './contract/token-schemas.ts';
import type { HandledRequests, TokenRecords, TokenUpdate } from './token-records.ts';

export interface NtuOutcome {
  responseId: string;
  /** True when this requestId had been handled before and nothing was done again. */
  duplicate: boolean;
  /** Tokens whose record changed; the others were older than the stored record. */
  applied: number;
  ignoredAsOlder: number;
  /** Asset IDs queued for a background fetch. */
  prewarmQueued: number;
}

export interface NtuReceiver {
  receive(body: unknown): Promise<NtuOutcome>;
}

export interface NtuReceiverOptions {
  decrypter: PayloadDecrypter;
  records: TokenRecords;
  handled: HandledRequests;
  prewarmer: AssetPrewarmer;
  log: Logger;
  now?: () => number;
}

export function createNtuReceiver(opts: NtuReceiverOptions): NtuReceiver {
  const now = opts.now ?? Date.now;
  /** The same requestId arriving again while the first is still being handled waits for it. */
  const inFlight = new Map<string, Promise<NtuOutcome>>();

  async function handle(requestId: string, tokens: NtuToken[]): Promise<NtuOutcome> {
    const earlier = await opts.handled.find(requestId);
    if (earlier !== undefined) return { responseId: earlier, duplicate: true, applied: 0, ignoredAsOlder: 0, prewarmQueued: 0 };
    const receivedAt = new Date(now()).toISOString();
    const updates = tokens.map((token, index) => toUpdate(token, index, receivedAt));
    const results = await Promise.all(updates.map((update) => opts.records.apply(update)));
    const assetIds = new Set<string>();
    for (const result of results) {
      if (!result.applied) continue;
      for (const field of ASSET_ID_FIELDS) {
        const id = result.record.productConfig?.[field];
        if (typeof id === 'string') assetIds.add(id);
      }
    }
    // Returns once the IDs are queued (PREWARM_QUEUE_FULL → 503, and the requestId is not remembered, so the retry
    // does it); the fetches themselves run in the background and never hold up the acknowledgement.
    const prewarm = assetIds.size > 0 ? await opts.prewarmer.prewarm([...assetIds]) : { queued: [] };
    const responseId = randomUUID();
    await opts.handled.remember(requestId, responseId);
    const applied = results.filter((result) => result.applied).length;
    opts.log.info(
      { requestId, tokens: tokens.length, applied, prewarmQueued: prewarm.queued.length },
      'notify token updated handled',
    );
    return { responseId, duplicate: false, applied, ignoredAsOlder: results.length - applied, prewarmQueued: prewarm.queued.length };
  }

  return {
    async receive(body) {
      const request = ntuRequestSchema.safeParse(body);
      if (!request.success) throw invalid(request.error.issues[0]);
      const clear = opts.decrypter.decrypt(request.data.encryptedPayload);
      const payload = ntuPayloadSchema.safeParse(clear);
      if (!payload.success) throw invalid(payload.error.issues[0], 'encryptedPayload');
      const { requestId } = request.data;
      let running = inFlight.get(requestId);
      if (!running) {
        running = handle(requestId, payload.data.tokens).finally(() => inFlight.delete(requestId));
        inFlight.set(requestId, running);
      }
      return running;
    },
  };
}

function toUpdate(token: NtuToken, index: number, receivedAt: string): TokenUpdate {
  let productConfig: TokenUpdate['productConfig'];
  if (token.productConfig) {
    try {
      productConfig = parseProductConfig(token.productConfig) as TokenUpdate['productConfig'];
    } catch (error) {
      if (!isCardArtError(error)) throw error;
      throw new CardArtError(error.code, `tokens[${index}].productConfig: ${error.message}`);
    }
  }
  return {
    tokenUniqueReference: token.tokenUniqueReference,
    status: token.status,
    statusTimestamp: token.statusTimestamp ?? receivedAt,
    productConfig,
    accountPanSuffix: token.tokenInfo?.accountPanSuffix,
    tokenPanSuffix: token.tokenInfo?.tokenPanSuffix,
    tokenRequestorId: token.tokenRequestorId,
  };
}

function invalid(issue: { path: PropertyKey[]; message: string } | undefined, under?: string): CardArtError {
  const where = [under, ...(issue?.path ?? []).map(String)].filter(Boolean).join('.');
  // The message names the field, never its value (a value could be anything, a card number included).
  return new CardArtError('INVALID_NOTIFICATION', `Malformed Notify Token Updated request${where ? ` at ${where}` : ''}`);
}
