/**
 * Notify Token Updated, without HTTP. In this order, so that what cannot be a genuine notification costs no RSA:
 * the envelope's shape; the key its publicKeyFingerprint names (NTU_KEY_UNKNOWN 503 otherwise) and sizes that key's
 * payloads have; a requestId or a payload handled before (acknowledged again, without work); then the decryption,
 * off the main thread and bounded (NTU_OVERLOADED 503 beyond); the tokens' shape and timestamps; the pre-warm of
 * their asset IDs, journaled before anything is written (a full queue answers 503 with nothing written); the token
 * records (applied only when not older); and last the requestId and payload digest, so MDES's retries and any replay
 * are acknowledged without the work being done twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import { BulkheadRejectedError, bulkhead } from 'cockatiel';
import type { Logger } from 'pino';
import { ASSET_ID_FIELDS, parseProductConfig } from '../core/product-config.ts';
import { CardArtError, isCardArtError } from '../errors.ts';
import type { PayloadDecrypter } from '../upstream/payload-decrypter.ts';
import type { AssetPrewarmer } from './asset-prewarmer.ts';
import { ntuPayloadSchema, ntuRequestSchema, type NtuToken } from './contract/token-schemas.ts';
import { assertStatusTimestampNotAhead, mayReplace, type HandledRequests, type TokenRecords, type TokenUpdate } from './token-records.ts';

/** libuv's threadpool has 4 threads, shared with file I/O and sharp: two RSA decryptions at once leave half to them. */
export const NTU_DECRYPTIONS_RUNNING = 2;
/** ≈ 32 × 0.3 ms of RSA-2048 waiting: a burst MDES sends is absorbed, a flood is refused with 503 at once. */
export const NTU_DECRYPTIONS_QUEUED = 32;
/** MDES retries a 503 after Retry-After; a second is long enough for a queue of decryptions to drain. */
const OVERLOADED_RETRY_AFTER_SECONDS = 1;

export interface NtuOutcome {
  responseId: string;
  /** True when this requestId or this payload had been handled before and nothing was done again. */
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
  /** Decryptions running at once (default NTU_DECRYPTIONS_RUNNING) and waiting (default NTU_DECRYPTIONS_QUEUED). */
  decryptionsRunning?: number;
  decryptionsQueued?: number;
}

/**
 * What identifies a payload for replays: the SHA-256 of its wrapped AES key, as bytes (so hex case changes nothing).
 * Every genuine payload wraps a fresh random key, and nobody can wrap the same unknown key again, so a replayed
 * payload (or a tampered copy that kept the key) has the same digest whatever its requestId.
 */
export function payloadDigest(encryptedKeyHex: string): string {
  return createHash('sha256').update(Buffer.from(encryptedKeyHex, 'hex')).digest('hex');
}

export function createNtuReceiver(opts: NtuReceiverOptions): NtuReceiver {
  const now = opts.now ?? Date.now;
  const decryptions = bulkhead(opts.decryptionsRunning ?? NTU_DECRYPTIONS_RUNNING, opts.decryptionsQueued ?? NTU_DECRYPTIONS_QUEUED);
  /** The same payload arriving again while the first is still being handled waits for it. */
  const inFlight = new Map<string, Promise<NtuOutcome>>();

  async function decrypt(encryptedPayload: Parameters<PayloadDecrypter['decrypt']>[0]): Promise<unknown> {
    try {
      return await decryptions.execute(() => opts.decrypter.decrypt(encryptedPayload));
    } catch (error) {
      if (!(error instanceof BulkheadRejectedError)) throw error;
      throw new CardArtError('NTU_OVERLOADED', 'Too many notifications are being decrypted', {
        retryAfterSeconds: OVERLOADED_RETRY_AFTER_SECONDS,
      });
    }
  }

  async function handle(request: ReturnType<typeof ntuRequestSchema.parse>, digest: string): Promise<NtuOutcome> {
    const { requestId } = request;
    const earlier = (await opts.handled.find(requestId)) ?? (await opts.handled.findPayload(digest));
    if (earlier !== undefined) return { responseId: earlier, duplicate: true, applied: 0, ignoredAsOlder: 0, prewarmQueued: 0 };

    const payload = ntuPayloadSchema.safeParse(await decrypt(request.encryptedPayload));
    if (!payload.success) throw invalid(payload.error.issues[0], 'encryptedPayload');
    const receivedAt = now();
    const updates = payload.data.tokens.map((token, index) => toUpdate(token, index, receivedAt));

    // Journaled before anything is written: a full queue answers 503 with nothing written, and MDES's retry does it all.
    // Only the art of tokens the records will take is fetched (read now; a concurrent write can only make it fetch more).
    const stored = await Promise.all(updates.map((update) => opts.records.get(update.tokenUniqueReference)));
    const assetIds = new Set<string>();
    for (const [index, update] of updates.entries()) {
      if (!mayReplace(update, stored[index])) continue;
      for (const field of ASSET_ID_FIELDS) {
        const id = update.productConfig?.[field];
        if (typeof id === 'string') assetIds.add(id);
      }
    }
    const prewarm = assetIds.size > 0 ? await opts.prewarmer.prewarm([...assetIds]) : { queued: [] };
    const results = await Promise.all(updates.map((update) => opts.records.apply(update)));
    const responseId = randomUUID();
    await opts.handled.remember({ requestId, payloadDigest: digest }, responseId);
    const applied = results.filter((result) => result.applied).length;
    opts.log.info(
      { requestId, tokens: updates.length, applied, prewarmQueued: prewarm.queued.length },
      'notify token updated handled',
    );
    return { responseId, duplicate: false, applied, ignoredAsOlder: results.length - applied, prewarmQueued: prewarm.queued.length };
  }

  return {
    async receive(body) {
      const request = ntuRequestSchema.safeParse(body);
      if (!request.success) throw invalid(request.error.issues[0]);
      opts.decrypter.check(request.data.encryptedPayload);
      const digest = payloadDigest(request.data.encryptedPayload.encryptedKey);
      let running = inFlight.get(digest);
      if (!running) {
        running = handle(request.data, digest).finally(() => inFlight.delete(digest));
        inFlight.set(digest, running);
      }
      return running;
    },
  };
}

function toUpdate(token: NtuToken, index: number, receivedAt: number): TokenUpdate {
  assertStatusTimestampNotAhead(token.statusTimestamp, receivedAt, `encryptedPayload.tokens.${index}.statusTimestamp`);
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
    statusTimestamp: token.statusTimestamp,
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
