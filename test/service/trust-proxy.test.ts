/**
 * TRUST_PROXY takes proxy addresses / CIDRs only. Before: with TRUST_PROXY=true a random X-Forwarded-For got
 * 100 × 200 against a limit of 10, and with TRUST_PROXY=1 a client connecting directly did the same.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadServiceConfig } from '../../src/config.ts';
import { parseTrustProxy } from '../../src/service/trust-proxy.ts';
import { rawRequest, REPO_ROOT, SPAWN_DEADLINE_MS } from '../hardening/harness.ts';
import { makeServiceFixtures, type ServiceFixtures } from './service-fixtures.ts';
import { startTestService, type TestService } from './service-harness.ts';

describe('parseTrustProxy', () => {
  test('takes addresses, CIDRs and express names; refuses true, false, hop counts and garbage naming TRUST_PROXY', () => {
    expect(parseTrustProxy(undefined)).toBeUndefined();
    expect(parseTrustProxy(' ')).toBeUndefined();
    expect(parseTrustProxy('loopback')).toEqual(['loopback']);
    expect(parseTrustProxy('10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1,uniquelocal')).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', 'uniquelocal']);
    for (const bad of ['true', 'TRUE', 'false', '1', '2', 'proxy.example', '10.0.0.0/33', '10.0.0.1/8/2', 'loopback,true']) {
      expect(() => parseTrustProxy(bad), bad).toThrow(/^TRUST_PROXY: /);
    }
    expect(() => loadServiceConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY.*choose its own address/);
  });

  test('the server refuses to start with TRUST_PROXY=true or a hop count, naming the variable', async () => {
    for (const value of ['true', '1']) {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'src/server.ts')], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', TRUST_PROXY: value, PORT: '0', LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(/TRUST_PROXY/);
    }
  }, 2 * SPAWN_DEADLINE_MS); // two start-ups of the real entry point, on a machine that may be busy
});

describe('spoofed X-Forwarded-For against RATE_LIMIT_PER_MINUTE=10', () => {
  let fixtures: ServiceFixtures;
  let direct: TestService;
  let behindProxy: TestService;
  beforeAll(async () => {
    fixtures = await makeServiceFixtures();
    direct = await startTestService(fixtures.dir, { RATE_LIMIT_PER_MINUTE: '10' });
    behindProxy = await startTestService(fixtures.dir, { RATE_LIMIT_PER_MINUTE: '10', TRUST_PROXY: '127.0.0.2' });
  });
  afterAll(async () => {
    await direct?.close();
    await behindProxy?.close();
    await fixtures?.cleanup();
  });

  async function spoofed(service: TestService, from: string, count: number): Promise<number> {
    let ok = 0;
    for (let i = 0; i < count; i++) {
      const response = await rawRequest(service.baseUrl, {
        path: '/v1/token-requestors?accountRanges=522222000',
        localAddress: from,
        headers: { 'X-Forwarded-For': `198.51.${i % 250}.${(i * 7) % 250}` },
      });
      if (response.status === 200) ok += 1;
    }
    return ok;
  }

  test('without TRUST_PROXY a random X-Forwarded-For changes nothing: 10 of 100 pass', async () => {
    const ok = await spoofed(direct, '127.0.0.1', 100);
    console.log(`spoofed XFF, no TRUST_PROXY: ${ok}/100 answered 200 (limit 10)`);
    expect(ok).toBe(10);
  });

  test('with TRUST_PROXY=127.0.0.2 a client connecting directly cannot choose its address: 10 of 100 pass', async () => {
    const ok = await spoofed(behindProxy, '127.0.0.3', 100);
    console.log(`spoofed XFF from a non-proxy client, TRUST_PROXY=127.0.0.2: ${ok}/100 answered 200 (limit 10)`);
    expect(ok).toBe(10);
  });

  test('through the trusted proxy each forwarded client has its own limit', async () => {
    const via = (client: string) =>
      rawRequest(behindProxy.baseUrl, { path: '/v1/token-requestors?accountRanges=522222000', localAddress: '127.0.0.2', headers: { 'X-Forwarded-For': client } });
    for (let i = 0; i < 10; i++) expect((await via('203.0.113.5')).status).toBe(200);
    expect((await via('203.0.113.5')).status).toBe(429);
    expect((await via('203.0.113.6')).status).toBe(200);
  });
});
