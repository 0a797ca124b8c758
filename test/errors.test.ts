/** The error table against the code that throws, the README that documents it, and the class built from it. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CardArtError, ERROR_CODES, ERRORS, isErrorCode, type ErrorSpec } from '../src/errors.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(name) ? [full] : [];
  });
}

/** `| \`CODE\` | status | kind | message |` rows of the README's error table. */
function readmeErrorRows(): Array<{ code: string; status: number; alsoStatus?: number; kind: string; message: string }> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## Configuration'));
  return [...section.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3})(?: \/ (\d{3}))? \| ([a-z-]+) \| (.*) \|$/gm)].map((m) => ({
    code: m[1]!,
    status: Number(m[2]),
    ...(m[3] ? { alsoStatus: Number(m[3]) } : {}),
    kind: m[4]!,
    message: m[5]!.replace(' (never answered over HTTP)', '').replaceAll('\\|', '|'),
  }));
}

describe('error table', () => {
  it('has every code thrown or compared in src/ (and nothing thrown outside it)', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new CardArtError\(\s*'([A-Z0-9_]+)'/g)) used.add(m[1]!);
      // Comparisons with a card-art error's code (Node's errno codes such as ENOENT are not ours).
      for (const m of text.matchAll(/isCardArtError\([^)]*\)[^\n]*\.code\s*[!=]==\s*'([A-Z0-9_]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/\bcode: [^,\n]*'([A-Z][A-Z0-9_]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(40);
    expect([...used].filter((code) => !isErrorCode(code))).toEqual([]);
    // Thrown codes are all constructed from the table: no status or code literal passed on its own any more.
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      expect([file, /new CardArtError\(\s*\d/.test(readFileSync(file, 'utf8'))]).toEqual([file, false]);
    }
  });

  it('is the README error table, row for row', () => {
    const rows = readmeErrorRows();
    expect(rows.map((row) => row.code)).toEqual(ERROR_CODES);
    for (const row of rows) {
      const spec: ErrorSpec = ERRORS[row.code as keyof typeof ERRORS];
      expect(row).toEqual({ code: row.code, status: spec.status, ...(spec.alsoStatus ? { alsoStatus: spec.alsoStatus } : {}), kind: spec.kind, message: spec.message });
    }
  });

  it('gives each status class a fitting kind, and every 5xx a message free of paths and hosts', () => {
    for (const code of ERROR_CODES) {
      const spec = ERRORS[code];
      expect([code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(code)]).toEqual([code, true]);
      if (spec.kind === 'bad-input') expect([code, spec.status >= 400 && spec.status < 500]).toEqual([code, true]);
      if (spec.status >= 500) expect([code, spec.kind === 'bad-input']).toEqual([code, false]);
      expect([code, /\/[a-z]+\/|\d+\.\d+\.\d+\.\d+|localhost|:\d{2,5}\b/.test(spec.message)]).toEqual([code, false]);
    }
  });

  it('builds errors from a code: status and kind from the table, detail public only for bad input', () => {
    const width = new CardArtError('INVALID_WIDTH', 'width must be one of 1536 and friends');
    expect([width.status, width.kind, width.publicMessage]).toEqual([400, 'bad-input', 'width must be one of 1536 and friends']);
    const png = new CardArtError('PNG_INVALID', 'PNG could not be decoded: vipspng: libpng read error at /tmp/x.png', { cause: new Error('x') });
    expect([png.status, png.kind, png.message]).toEqual([502, 'bad-asset', 'PNG could not be decoded: vipspng: libpng read error at /tmp/x.png']);
    expect(png.publicMessage).toBe(ERRORS.PNG_INVALID.message);
    const cache = new CardArtError('CACHE_STORE_UNAVAILABLE', 'redis get failed: connect ECONNREFUSED 127.0.0.1:6379');
    expect(cache.publicMessage).toBe('The cache store is not reachable');
    expect(new CardArtError('RENDER_QUEUE_FULL', undefined, { retryAfterSeconds: 2 }).retryAfterSeconds).toBe(2);
    expect(new CardArtError('INTERNAL_ERROR').message).toBe(ERRORS.INTERNAL_ERROR.message);
  });
});
