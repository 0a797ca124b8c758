/**
 * A requestor logo that was bad upstream is never cached as such: once MDES fixes it under the same ID, the fix is
 * seen after NEGATIVE_CACHE_SECONDS, and at once after a restart (the refusal only lived in memory).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService } from '../support/start-service.ts';

const BAD = '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><script>alert(1)</script><rect width="96" height="96"/></svg>';
const GOOD = '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="96" height="96" fill="#0a0"/></svg>';

describe('requestor SVG fixed upstream under the same ID', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'card-art-fixup-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = (negativeSeconds: string) =>
    startService({ SIMULATOR_ASSET_DIR: dir, CACHE_DIR: path.join(dir, 'cache'), NEGATIVE_CACHE_SECONDS: negativeSeconds });

  it('is seen after the remembered failure expires, and at once after a restart', async () => {
    const logo = path.join(dir, 'tr-logo.svg');
    await writeFile(logo, BAD);
    // Remembered for 2 s: the repeat right after the first failure must come within it on a loaded machine too.
    let service = await start('2');
    const get = async () => {
      const answer = await fetch(`${service.baseUrl}/v1/token-requestor-assets/tr-logo?format=svg`);
      return { status: answer.status, body: await answer.text() };
    };
    try {
      const bad = await get();
      expect(bad.status).toBe(502);
      expect(JSON.parse(bad.body).error.code).toBe('SVG_UNSAFE');
      await writeFile(logo, GOOD);
      // Within the window the refusal is remembered (no refetch); after it the fix is fetched and served.
      expect((await get()).status).toBe(502);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const fixed = await get();
      expect(fixed.status).toBe(200);
      expect(fixed.body).toContain('fill="#0a0"');
    } finally {
      await service.close();
    }

    // A second ID, bad when first seen; the process restarts with the same cache folder after the fix.
    const other = path.join(dir, 'tr-other.svg');
    await writeFile(other, BAD);
    service = await start('300');
    try {
      const answer = await fetch(`${service.baseUrl}/v1/token-requestor-assets/tr-other?format=svg`);
      expect(answer.status).toBe(502);
    } finally {
      await service.close();
    }
    await writeFile(other, GOOD);
    service = await start('300');
    try {
      const answer = await fetch(`${service.baseUrl}/v1/token-requestor-assets/tr-other?format=svg`);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('fill="#0a0"');
    } finally {
      await service.close();
    }
  });
});
