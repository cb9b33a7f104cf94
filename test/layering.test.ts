/**
 * Imports point down only (DESIGN.md): http → conversations / access → providers / tokens / store /
 * infra → config; the CLI (cli/) is a client beside them.
 * A provider never imports a store, a store never imports anything above it, and HTTP reaches the
 * store and the providers only for their types.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '..', 'src');

/** Which top-level parts of `src/` each part may import at run time (types are listed apart). */
const allowed: Record<string, { runtime: string[]; typeOnly: string[] }> = {
  'errors.ts': { runtime: [], typeOnly: [] },
  config: { runtime: [], typeOnly: [] },
  store: { runtime: [], typeOnly: [] },
  infra: { runtime: [], typeOnly: [] },
  tokens: { runtime: [], typeOnly: ['providers'] },
  providers: { runtime: ['config'], typeOnly: [] },
  conversations: { runtime: ['errors.ts', 'providers', 'store', 'infra', 'tokens'], typeOnly: [] },
  access: { runtime: ['errors.ts', 'store', 'infra'], typeOnly: ['config', 'providers'] },
  http: { runtime: ['errors.ts', 'conversations', 'access'], typeOnly: ['store', 'providers', 'config'] },
  // The CLI is a client of the server's API; its database commands open the store and key service
  // directly, `models pull` uses the local provider's downloader, and `keys --json` prints the API's
  // key object (from http/native). It never imports the core or main.ts.
  cli: { runtime: ['config', 'store', 'access', 'providers', 'http'], typeOnly: [] },
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

function imports(file: string): { target: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const found: { target: string; typeOnly: boolean }[] = [];
  for (const match of text.matchAll(/^import\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
    const specifier = match[2] ?? '';
    found.push({ target: resolve(dirname(file), specifier), typeOnly: match[1] !== undefined });
  }
  // Modules loaded on demand (`await import('./x.ts')`) are run-time imports too.
  for (const match of text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
    found.push({ target: resolve(dirname(file), match[1] ?? ''), typeOnly: false });
  }
  return found;
}

const partOf = (path: string): string => relative(root, path).split('/')[0] ?? '';

describe('layering', () => {
  it('every module imports only the layers below it', () => {
    const violations: string[] = [];
    let checked = 0;
    for (const file of sourceFiles(root)) {
      const part = partOf(file);
      const rules = allowed[part];
      if (rules === undefined) continue; // main.ts and app.ts wire everything
      for (const { target, typeOnly } of imports(file)) {
        checked++;
        const targetPart = partOf(target);
        if (targetPart === part) continue;
        const ok = rules.runtime.includes(targetPart) || (typeOnly && rules.typeOnly.includes(targetPart));
        if (!ok)
          violations.push(
            `${relative(root, file)} imports ${relative(root, target)}${typeOnly ? ' (type)' : ''}`,
          );
      }
    }
    assert.ok(checked > 20, 'the import scan found the imports');
    assert.deepEqual(violations, []);
  });
});
