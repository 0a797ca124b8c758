/** Rewrites golden/<case>.png from the current renderer. Run by hand (npm run golden:update), never by tests. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GOLDEN_CASES } from './golden-cases.ts';
import { createGoldenRenderer, GOLDEN_DIR, renderGoldenCase } from './golden-renderer.ts';

const only = process.argv.slice(2);
const { renderer, close } = createGoldenRenderer();
try {
  await mkdir(GOLDEN_DIR, { recursive: true });
  for (const goldenCase of GOLDEN_CASES) {
    if (only.length > 0 && !only.includes(goldenCase.name)) continue;
    const file = path.join(GOLDEN_DIR, `${goldenCase.name}.png`);
    await writeFile(file, await renderGoldenCase(renderer, goldenCase));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
} finally {
  await close();
}
