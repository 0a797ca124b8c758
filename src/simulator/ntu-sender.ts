/**
 * The simulator's side of Notify Token Updated: MDES encrypts the tokens for the token
 * requestor's public certificate and POSTs them to the requestor's receiver. In embedded mode the service hands
 * the simulator the certificate of the key pair it made at start, so the real decryption path always runs.
 */
import { randomUUID } from 'node:crypto';
import { createPayloadEncrypter, type OaepDigest } from '../upstream/field-level-encryption.ts';

/** MDES's production path; the receiver also listens under /digitization/1/0/. */
export const NTU_SEND_PATH = '/digitization/static/1/0/notifyTokenUpdated';
/** MDES gives up on a receiver that has not answered in a few seconds. */
const NTU_SEND_TIMEOUT_MS = 10_000;

export interface NtuSendResult {
  status: number;
  /** The receiver's Retry-After, which MDES honours on a 503. */
  retryAfter: string | null;
  /** The receiver's answer (the ack or MDES's error shape). */
  body: unknown;
  /** What was sent: requestId, responseHost and the encrypted payload (never the clear tokens). */
  request: { requestId: string; responseHost: string; encryptedPayload: Record<string, string> };
}

export interface NtuSender {
  /** Encrypts `{tokens}` and POSTs it to `${receiverBaseUrl}${NTU_SEND_PATH}`. */
  send(receiverBaseUrl: string, tokens: unknown[], options?: { requestId?: string }): Promise<NtuSendResult>;
}

export function createNtuSender(opts: { certificatePem: string; oaepDigest: OaepDigest; responseHost?: string }): NtuSender {
  const encrypter = createPayloadEncrypter({ certificatePem: opts.certificatePem, oaepDigest: opts.oaepDigest });
  const responseHost = opts.responseHost ?? 'card-art-simulator';
  return {
    async send(receiverBaseUrl, tokens, options = {}) {
      const request = {
        requestId: options.requestId ?? randomUUID(),
        responseHost,
        encryptedPayload: encrypter.encrypt({ tokens }),
      };
      const response = await fetch(`${receiverBaseUrl.replace(/\/+$/, '')}${NTU_SEND_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(NTU_SEND_TIMEOUT_MS),
      });
      const body: unknown = await response.json().catch(() => undefined);
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body, request };
    },
  };
}
