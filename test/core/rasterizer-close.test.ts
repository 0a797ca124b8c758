import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RASTERIZER = fileURLToPath(new URL('../../src/core/rasterizer.ts', import.meta.url));

describe('createRasterizer().close()', () => {
  it('settles in a process with nothing else on its event loop (an idle rasterizer process is unref’d)', async () => {
    // A tiny SVG goes through the rasterizer process; then close() must settle on its own, not leave the await hanging.
    const script = `
      import { createRasterizer } from ${JSON.stringify(RASTERIZER)};
      const r = createRasterizer();
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>');
      const image = await r.rasterize({ kind: 'svg', bytes: svg, width: 10, height: 10 }, { width: 20, height: 20 });
      await r.close();
      console.log('closed', image.width);
    `;
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 }, (error, out) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out }),
      );
      child.stdin?.end();
    });
    expect(stdout.trim()).toBe('closed 20');
    expect(code).toBe(0);
  }, 40_000);
});
