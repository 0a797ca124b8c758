/**
 * The demo's tokens (embedded mode only): the demo cards recorded as tokens at start through the same records
 * API `POST /v1/tokens` uses, and a "new card art from the issuer" action that has the simulator send a real
 * encrypted Notify Token Updated with another sample card's asset IDs to this service.
 */
import { Router } from 'express';
import { parseProductConfig } from '../core/product-config.ts';
import { CardArtError } from '../errors.ts';
import type { NtuSender } from '../simulator/ntu-sender.ts';
import { tokenPathParamsSchema, type TokenRecord } from './contract/token-schemas.ts';
import type { DemoCard } from './routes/demo-routes.ts';
import type { TokenRecords } from './token-records.ts';

/** A made-up Token Requestor ID (11 digits) for the demo merchant. */
export const DEMO_TOKEN_REQUESTOR_ID = '50139059239';

export interface DemoToken {
  tokenUniqueReference: string;
  name: string;
}

export function demoTokenReference(index: number): string {
  return `DWSPMC0000000000DEMO${String(index + 1).padStart(12, '0')}`;
}

/** Records each demo card as a token unless a record exists already (so art changed by an NTU survives restarts). */
export async function seedDemoTokens(records: TokenRecords, cards: DemoCard[], now = Date.now): Promise<DemoToken[]> {
  const tokens: DemoToken[] = [];
  for (const [index, card] of cards.entries()) {
    const tokenUniqueReference = demoTokenReference(index);
    tokens.push({ tokenUniqueReference, name: card.name });
    if (await records.get(tokenUniqueReference)) continue;
    const digits = String(card.text ?? '').replace(/\D/g, '').slice(-4);
    await records.apply({
      tokenUniqueReference,
      status: 'ACTIVE',
      statusTimestamp: new Date(now()).toISOString(),
      productConfig: parseProductConfig(card.productConfig) as TokenRecord['productConfig'],
      accountPanSuffix: digits.length === 4 ? digits : undefined,
      tokenRequestorId: DEMO_TOKEN_REQUESTOR_ID,
    });
  }
  return tokens;
}

export interface DemoTokenRouteDeps {
  tokens: DemoToken[];
  cards: DemoCard[];
  records: TokenRecords;
  /** The embedded simulator's sender; undefined against real MDES (the action then answers 501). */
  ntu: NtuSender | undefined;
  now?: () => number;
}

export function demoTokenRoutes(deps: DemoTokenRouteDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  router.get('/demo/tokens.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json(deps.tokens);
  });

  router.post('/demo/tokens/:tokenUniqueReference/new-card-art', async (req, res) => {
    if (!deps.ntu) throw new CardArtError('NOT_CONFIGURED', 'The issuer simulator runs only in embedded mode');
    const params = tokenPathParamsSchema.safeParse(req.params);
    const record = params.success ? await deps.records.get(params.data.tokenUniqueReference) : undefined;
    if (!record) throw new CardArtError('TOKEN_NOT_FOUND', 'No token with this tokenUniqueReference is known');
    const productConfig = nextDemoArt(deps.cards, record.productConfig);
    if (!productConfig) throw new CardArtError('NO_OTHER_CARD_ART', 'The demo has no other card art to switch to');
    const token = {
      tokenUniqueReference: record.tokenUniqueReference,
      tokenRequestorId: record.tokenRequestorId ?? DEMO_TOKEN_REQUESTOR_ID,
      status: 'ACTIVE',
      eventReasonCode: 'OTHER',
      statusTimestamp: new Date(Math.max(now(), record.statusTimestamp ? Date.parse(record.statusTimestamp) + 1 : 0)).toISOString(),
      productConfig: { ...productConfig, issuerName: 'Demo Issuer', shortDescription: 'Demo card' },
      tokenInfo: { ...(record.accountPanSuffix ? { accountPanSuffix: record.accountPanSuffix } : {}), tokenPanSuffix: '0001' },
    };
    // The simulator calls this service's receiver on the port this request came in on (loopback).
    const sent = await deps.ntu.send(`http://127.0.0.1:${req.socket.localPort}`, [token]);
    res.setHeader('Cache-Control', 'no-store');
    res.status(sent.status === 200 ? 200 : 502).json({ ntuStatus: sent.status, ntuAnswer: sent.body, requestId: sent.request.requestId, productConfig });
  });
  return router;
}

/** The card art of the demo card after the one the token shows now (another card's, so the change is visible). */
function nextDemoArt(cards: DemoCard[], current: TokenRecord['productConfig']): Record<string, unknown> | undefined {
  const configs = cards.map((card) => parseProductConfig(card.productConfig) as Record<string, unknown>);
  const same = (a: Record<string, unknown> | undefined) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(current));
  const at = configs.findIndex((config) => same(config));
  for (let step = 1; step <= configs.length; step += 1) {
    const candidate = configs[(Math.max(at, 0) + step) % configs.length];
    if (candidate && !same(candidate)) return candidate;
  }
  return undefined;
}

function sorted(value: Record<string, unknown> | undefined): Array<[string, unknown]> {
  return Object.entries(value ?? {}).sort(([a], [b]) => a.localeCompare(b));
}
