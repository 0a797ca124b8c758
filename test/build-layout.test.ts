/** What ships: src/ runs with production dependencies only; build-time tools live under test/. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

/** `pdf-lib` from 'pdf-lib/x', `@keyv/redis` from '@keyv/redis'. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

describe('build layout', () => {
  it('src/ imports only node built-ins, production dependencies and its own files', () => {
    const problems: string[] = [];
    const code = files(path.join(ROOT, 'src')).filter((file) => /\.(ts|js)$/.test(file));
    for (const file of code) {
      const text = readFileSync(file, 'utf8');
      const specifiers = [
        ...[...text.matchAll(/^\s*(?:import|export)\b[^;']*?from\s+'([^']+)'/gm)].map((m) => m[1]!),
        ...[...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]!),
        ...[...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]!),
      ].filter((specifier) => !specifier.startsWith('.'));
      for (const specifier of specifiers) {
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
        const name = packageOf(specifier);
        if (!(name in pkg.dependencies)) problems.push(`${path.relative(ROOT, file)} imports ${specifier}${name in pkg.devDependencies ? ' (a devDependency)' : ''}`);
      }
    }
    expect(code.length).toBeGreaterThan(50);
    expect(problems).toEqual([]);
  });

  it('keeps the sample generator out of src/, and the samples where the simulator reads them', () => {
    expect(files(path.join(ROOT, 'src')).filter((file) => /make-|generate/.test(path.basename(file)))).toEqual([]);
    expect(readdirSync(path.join(ROOT, 'src/simulator/samples'))).toContain('token-requestors.json');
    expect(pkg.devDependencies['pdf-lib']).toBeDefined();
  });

  it('has the Docker image copy only the package files and src/', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const copies = [...dockerfile.matchAll(/^COPY\s+(.+)$/gm)].map((m) => m[1]!.trim());
    expect(copies).toEqual(['package.json package-lock.json ./', 'src ./src']);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });
});
