import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { requireBearerToken } from '../../src/service/bearer-auth.ts';
import { errorHandler } from '../../src/service/error-handler.ts';

const TOKENS = ['first-token-0123456789', 'second-token-0123456789'];
let baseUrl: string;
let close: () => void;

beforeAll(async () => {
  const app = express();
  app.get('/guarded', requireBearerToken(TOKENS), (_req, res) => void res.json({ ok: true }));
  app.get('/open', requireBearerToken(undefined), (_req, res) => void res.json({ ok: true }));
  app.use(errorHandler(pino({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close?.());

describe('requireBearerToken (API_TOKENS)', () => {
  it('lets each configured token through', async () => {
    for (const token of TOKENS) {
      const res = await fetch(`${baseUrl}/guarded`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
    }
  });

  it('answers 401 UNAUTHORIZED with WWW-Authenticate for a missing, wrong, prefixed or differently-cased token', async () => {
    const cases = [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKENS[0]}`, `Bearer ${TOKENS[0]}x`, `bearer${TOKENS[0]}`];
    for (const authorization of cases) {
      const res = await fetch(`${baseUrl}/guarded`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="card-art"/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UNAUTHORIZED');
      expect(JSON.stringify(body)).not.toContain(TOKENS[0]);
    }
  });

  it('leaves a route open when no tokens are configured (embedded-simulator demo)', async () => {
    expect((await fetch(`${baseUrl}/open`)).status).toBe(200);
  });
});
