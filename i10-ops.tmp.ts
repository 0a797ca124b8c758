import * as F from './test/support/hostile-pdf-fixtures.ts';
import { createRasterizerProcessPool } from './src/core/rasterizer-process.ts';
const pool = createRasterizerProcessPool({ heapMb: 256, renderTimeoutMs: 8000, onProcessExit: (e) => console.log('exit', e.reason, e.signal, e.code, e.stderr.slice(-200)) });
for (const [name, pdf, size] of [['heap', await F.makeNumberFloodPdf(12_000_000), { width: 600, height: 378 }], ['qQ', await F.makeSaveRestoreFloodPdf(), { width: 600, height: 378 }]] as const) {
  const t = performance.now();
  try { await pool.renderPdf(pdf as Buffer, size); console.log(name, 'ok'); } catch (e: any) { console.log(name, e.code, e.message); }
  console.log(performance.now() - t, pool.stats());
}
await pool.close();
