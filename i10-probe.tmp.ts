import { readFileSync } from 'node:fs';
import * as F from './test/support/hostile-pdf-fixtures.ts';
import { createRasterizerProcessPool } from './src/core/rasterizer-process.ts';
const pool = createRasterizerProcessPool({ warm: true, onProcessExit: (e) => console.log('exit', e.reason, e.signal, e.code, e.stderr.slice(-300)) });
const hwm = (pid: number) => { try { return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) >> 10; } catch { return -1; } };
let peak = 0; const seen = new Map<number, number>();
setInterval(() => { for (const pid of pool.stats().pids) { const v = hwm(pid); if (v > (seen.get(pid) ?? 0)) seen.set(pid, v); } }, 20).unref();
for (const [name, make] of Object.entries({ numbers: () => F.makeNumberFloodPdf(), images: () => F.makeHugeImagesPdf(), bomb: () => F.makeInflateBombPdf(), double: () => F.makeDoubleFlateBombPdf(), hidden: () => F.makeInflateBombPdf(undefined, '/Fl#61teDecode'), ops: async () => F.makeOperatorFloodPdf(), lzw: async () => F.makeLzwBombPdf(), img16: () => F.makeHugeImagesPdf(8, 4000) })) {
  let t = performance.now(); const pdf = await make(); const gen = performance.now() - t;
  t = performance.now();
  let r; try { const s = await pool.pdfPageSize(pdf); const img = await pool.renderPdf(pdf, { width: 1536, height: 969 }); r = `ok ${s.width}x${s.height} ${img.width}`; } catch (e: any) { r = `${e.code}: ${e.message}`; }
  console.log(name, `${(pdf.length / 1024).toFixed(0)}KB gen ${gen.toFixed(0)}ms`, r, `${(performance.now() - t).toFixed(0)}ms`, 'childHWM', JSON.stringify([...seen]));
  seen.clear();
}
await pool.close();
