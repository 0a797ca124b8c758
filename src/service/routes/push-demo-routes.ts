import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import type { ProductConfig } from '../../core/asset-media.ts';

/** A card the demo's "Push to wallet" screen can push: a test card number (never a real one) and its art. */
export interface PushDemoCard {
  name: string;
  productConfig: ProductConfig;
  accountNumber: string;
  expiryMonth: string;
  expiryYear: string;
  accountHolderData?: Record<string, unknown>;
}

/** push-cards.json from the simulator folder; a missing or unreadable file leaves the screen without cards. */
export async function loadPushDemoCards(dir: string): Promise<PushDemoCard[]> {
  try {
    const cards = JSON.parse(await readFile(path.join(dir, 'push-cards.json'), 'utf8')) as unknown;
    return Array.isArray(cards) ? (cards as PushDemoCard[]) : [];
  } catch {
    return [];
  }
}

/** GET /demo/push-cards.json: the sample file as it is (the service keeps no copy of what the page pushes). */
export function pushDemoRoutes(cards: PushDemoCard[]): Router {
  const router = Router();
  router.get('/demo/push-cards.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(cards);
  });
  return router;
}
