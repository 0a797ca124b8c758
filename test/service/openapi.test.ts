/** The generated document: redocly's recommended rules pass clean, and its error codes agree with the table. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERRORS, type ErrorCode, type ErrorSpec } from '../../src/errors.ts';
import { errorStatus } from '../../src/service/contract/operation.ts';
import { operations } from '../../src/service/contract/operations.ts';
import { buildOpenApiDocument } from '../../src/service/openapi.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Doc = { paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: Record<string, { schema: { allOf?: Array<Record<string, any>> } }> }> }>> };

/** Per operation, per error status, the code enum the document lists. */
function documentedCodes(doc: Doc): Map<string, Map<number, string[]>> {
  const result = new Map<string, Map<number, string[]>>();
  for (const methods of Object.values(doc.paths)) {
    for (const op of Object.values(methods)) {
      const byStatus = new Map<number, string[]>();
      for (const [status, response] of Object.entries(op.responses)) {
        const narrowed = response.content?.['application/json']?.schema.allOf?.[1]?.properties;
        // card-art's shape carries the code in error.code, MDES's (Notify Token Updated) in errorCode.
        const enumCodes = (narrowed?.error?.properties?.code?.enum ?? narrowed?.errorCode?.enum) as string[] | undefined;
        if (Number(status) >= 400) byStatus.set(Number(status), enumCodes ?? []);
      }
      result.set(op.operationId, byStatus);
    }
  }
  return result;
}

describe('/openapi.json', () => {
  it('passes `redocly lint` with the recommended rules: 0 errors, 0 warnings', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'card-art-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(buildOpenApiDocument(), null, 2));
      const { stdout } = await promisify(execFile)(
        path.join(ROOT, 'node_modules/.bin/redocly'),
        ['lint', '--config', fileURLToPath(new URL('./redocly.yaml', import.meta.url)), '--format=json', file],
        { cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
      );
      const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number; ignored: number }; problems: Array<{ ruleId: string; message: string }> };
      expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('lists under each status exactly the codes of the table with that status, as the registry declares them', () => {
    const documented = documentedCodes(buildOpenApiDocument() as Doc);
    const seen = new Set<string>();
    for (const op of Object.values(operations)) {
      const byStatus = documented.get(op.operationId)!;
      const expected = new Map<number, string[]>();
      for (const { code, status } of op.errors.map(errorStatus)) {
        const list = expected.get(status) ?? [];
        if (!list.includes(code)) expected.set(status, [...list, code]);
      }
      expect([op.operationId, Object.fromEntries(byStatus)]).toEqual([op.operationId, Object.fromEntries(expected)]);
      for (const [status, codes] of byStatus) for (const code of codes) {
        const spec: ErrorSpec | undefined = ERRORS[code as ErrorCode];
        expect([code, spec?.status === status || spec?.alsoStatus === status]).toEqual([code, true]);
        seen.add(code);
      }
      // Every operation answers some 4xx and the generic 500.
      expect([...byStatus.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
      expect(byStatus.get(500)).toContain('INTERNAL_ERROR');
    }
    // Every code a client can meet is documented somewhere; NOT_FOUND is the answer to a path no operation has,
    // NO_OTHER_CARD_ART that of the demo page's own action (the demo's JSON routes are not part of the API).
    const outsideTheApi = new Set(['NOT_FOUND', 'NO_OTHER_CARD_ART']);
    const undocumented = ERROR_CODES.filter((code) => !('internalOnly' in ERRORS[code]) && !seen.has(code) && !outsideTheApi.has(code));
    expect(undocumented).toEqual([]);
  });

  it('names every operation, tags it, and keeps the HTTP contract paths', () => {
    const doc = buildOpenApiDocument() as Doc & { servers: unknown[]; info: { license?: unknown }; components: { securitySchemes: Record<string, unknown> } };
    const ids = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(Object.keys(operations).sort());
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.info.license).toBeDefined();
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });
});
