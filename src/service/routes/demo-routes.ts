import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { ProductConfig } from '../../core/asset-media.ts';

export const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));

/** The page loads only its own script, style and images, and the API on the same origin. */
export const DEMO_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface DemoCard {
  name: string;
  productConfig: ProductConfig;
  text?: string;
}

export interface DemoData {
  cards: DemoCard[];
  /** Account ranges to ask Token Connect about (those of the bundled requestor list). */
  accountRanges: string[];
}

export function demoRoutes(demo: DemoData): Router {
  const router = Router();
  router.get('/demo/cards.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json(demo.cards);
  });
  router.get('/demo/account-ranges.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json({ accountRanges: demo.accountRanges });
  });
  router.use((_req, res, next) => {
    res.locals.routeLabel = 'static';
    next();
  });
  router.use(
    express.static(PUBLIC_DIR, {
      index: 'index.html',
      fallthrough: true,
      setHeaders(res, filePath) {
        res.setHeader('Cache-Control', 'no-cache');
        if (filePath.endsWith('.html')) res.setHeader('Content-Security-Policy', DEMO_PAGE_CSP);
      },
    }),
  );
  return router;
}
