/**
 * pdf.js's file access in the rasterizer process: a synchronous, file-only XMLHttpRequest and fetch() that read
 * pdf.js's own data files and nothing else. Installed in a separate Node process here, since it replaces fetch().
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PDFJS_ROOT, pdfjsDataFile } from '../../src/core/pdfjs-local-files.ts';

const MODULE = fileURLToPath(new URL('../../src/core/pdfjs-local-files.ts', import.meta.url));

function runNode(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('pdfjsDataFile', () => {
  it('names files inside the pdfjs-dist folder', () => {
    const wasm = path.join(PDFJS_ROOT, 'wasm', 'qcms_bg.wasm');
    expect(pdfjsDataFile(wasm)).toBe(wasm);
    expect(pdfjsDataFile(`${PDFJS_ROOT}/iccs/./CGATS001Compat-v2-micro.icc`)).toBe(path.join(PDFJS_ROOT, 'iccs', 'CGATS001Compat-v2-micro.icc'));
  });

  it.each([
    ['a way out of the folder', `${PDFJS_ROOT}/../../package.json`],
    ['the folder itself', PDFJS_ROOT],
    ['a sibling with the same prefix', `${PDFJS_ROOT}-evil/x`],
    ['a relative path', 'wasm/qcms_bg.wasm'],
    ['a file: URL', `file://${PDFJS_ROOT}/wasm/qcms_bg.wasm`],
    ['an http: URL', 'http://127.0.0.1:9/wasm/qcms_bg.wasm'],
    ['a NUL byte', `${PDFJS_ROOT}/wasm/qcms_bg.wasm\0.txt`],
  ])('refuses %s', (_what, url) => {
    expect(() => pdfjsDataFile(url)).toThrow(TypeError);
  });
});

describe('installPdfjsLocalFiles', () => {
  it('gives a process a synchronous XMLHttpRequest and a fetch() for pdf.js data files only', async () => {
    const wasm = path.join(PDFJS_ROOT, 'wasm', 'qcms_bg.wasm');
    const script = `
      import { installPdfjsLocalFiles, pdfjsLocalFilesInstalled } from ${JSON.stringify(MODULE)};
      const out = { before: [typeof XMLHttpRequest, pdfjsLocalFilesInstalled()] };
      installPdfjsLocalFiles();
      out.after = pdfjsLocalFilesInstalled();
      // What pdf.js's fetchSync() does.
      const xhr = new XMLHttpRequest();
      xhr.open('GET', ${JSON.stringify(wasm)}, false);
      xhr.responseType = 'arraybuffer';
      xhr.send(null);
      out.xhr = [xhr.readyState === XMLHttpRequest.DONE, xhr.status, xhr.response.byteLength];
      const missing = new XMLHttpRequest();
      missing.open('GET', ${JSON.stringify(path.join(PDFJS_ROOT, 'wasm', 'nope.wasm'))}, false);
      missing.responseType = 'arraybuffer';
      missing.send(null);
      out.missing = [missing.status, missing.response];
      const refuse = (f) => { try { f(); return 'allowed'; } catch (e) { return e.name; } };
      out.asyncXhr = refuse(() => new XMLHttpRequest().open('GET', ${JSON.stringify(wasm)}, true));
      out.outside = refuse(() => new XMLHttpRequest().open('GET', '/etc/hostname', false));
      // What pdf.js's fetchBinaryData() does.
      const response = await fetch(${JSON.stringify(wasm)});
      out.fetch = [response.ok, (await response.bytes()).length];
      out.fetchMissing = (await fetch(${JSON.stringify(path.join(PDFJS_ROOT, 'cmaps', 'nope.bcmap'))})).status;
      out.network = await fetch('http://127.0.0.1:9/').then(() => 'allowed', (e) => e.name);
      out.fileUrl = await fetch(${JSON.stringify(`file://${wasm}`)}).then(() => 'allowed', (e) => e.name);
      console.log(JSON.stringify(out));
    `;
    const run = await runNode(script);
    expect(run.stderr).toBe('');
    const size = (await readFile(wasm)).length;
    expect(JSON.parse(run.stdout)).toEqual({
      before: ['undefined', false],
      after: true,
      xhr: [true, 200, size],
      missing: [404, null],
      asyncXhr: 'TypeError',
      outside: 'TypeError',
      fetch: [true, size],
      fetchMissing: 404,
      network: 'TypeError',
      fileUrl: 'TypeError',
    });
  });
});
