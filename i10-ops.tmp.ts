import { inflateSync } from 'node:zlib';
import * as F from './test/support/hostile-pdf-fixtures.ts';
// verify a small bomb inflates exactly with zlib (checksum included)
const pdf = await F.makeInflateBombPdf(5_000_000);
const text = pdf.toString('latin1'); const s = text.indexOf('stream\n') + 7; const e = text.indexOf('\nendstream');
const out = inflateSync(pdf.subarray(s, e)); console.log('inflated', out.length, out.every((b) => b === 32));
const n = await F.makeNumberFloodPdf(6_000_000); const t2 = n.toString('latin1'); const o2 = inflateSync(n.subarray(t2.indexOf('stream\n') + 7, t2.indexOf('\nendstream'))); console.log(o2.length, o2.subarray(0, 30).toString());
