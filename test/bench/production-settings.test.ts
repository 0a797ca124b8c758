import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PRODUCTION_NODE_FLAGS, PRODUCTION_SERVICE_ENV } from './service-child.ts';

const read = (file: string) => readFile(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('the benchmark measures the service as production starts it', () => {
  it('npm start and the Dockerfile use the same environment and Node flags as the bench', async () => {
    const start = (JSON.parse(await read('package.json')) as { scripts: Record<string, string> }).scripts.start;
    const dockerfile = await read('Dockerfile');
    for (const [name, value] of Object.entries(PRODUCTION_SERVICE_ENV)) {
      expect(start).toContain(`${name}=${value} `);
      expect(dockerfile).toMatch(new RegExp(`^\\s+${name}=${value}\\b`, 'm'));
    }
    expect(start).toBe(`${Object.entries(PRODUCTION_SERVICE_ENV).map(([n, v]) => `${n}=${v}`).join(' ')} node ${PRODUCTION_NODE_FLAGS.join(' ')} src/server.ts`);
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', ...PRODUCTION_NODE_FLAGS, 'src/server.ts']);
  });
});
