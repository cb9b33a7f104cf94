/**
 * `npm start` builds only when the sources changed: `scripts/build.ts --if-changed` compares a
 * hash of src/, both tsconfigs and package.json with the stamp the last build wrote. Driven on a
 * copy of the project (its own dist/), so the real one is never rebuilt under other tests.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { sourceHash } from '../scripts/build.ts';

const root = resolve(import.meta.dirname, '..');

describe('the build stamp', () => {
  const copy = mkdtempSync(join(tmpdir(), 'parley-build-'));
  after(() => rmSync(copy, { recursive: true, force: true }));
  for (const path of ['src', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'])
    cpSync(join(root, path), join(copy, path), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));

  const buildIfChanged = () => {
    const run = spawnSync(process.execPath, ['scripts/build.ts', '--if-changed'], {
      cwd: copy,
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    return run.stdout;
  };
  const builtAt = () => statSync(join(copy, 'dist/main.js')).mtimeMs;

  it('hashes names and contents: an edit or a new file changes it, touching a file does not', () => {
    const before = sourceHash(copy);
    const file = join(copy, 'src/errors.ts');
    utimesSync(file, new Date(), new Date(Date.now() + 60_000));
    assert.equal(sourceHash(copy), before);
    writeFileSync(join(copy, 'src/new-file.ts'), 'export {};\n');
    const added = sourceHash(copy);
    assert.notEqual(added, before);
    rmSync(join(copy, 'src/new-file.ts'));
    assert.equal(sourceHash(copy), before);
    writeFileSync(join(copy, 'tsconfig.build.json'), `${JSON.stringify({ extends: './tsconfig.json' })}\n`);
    assert.notEqual(sourceHash(copy), before);
    cpSync(join(root, 'tsconfig.build.json'), join(copy, 'tsconfig.build.json'));
    assert.equal(sourceHash(copy), before);
  });

  it('builds when there is no stamp, not again for the same sources, and again after an edit', () => {
    assert.doesNotMatch(buildIfChanged(), /without a build/);
    const first = builtAt();
    assert.match(buildIfChanged(), /starting without a build/);
    assert.equal(builtAt(), first, 'dist/ was left as it was');

    writeFileSync(join(copy, 'src/errors.ts'), '// edited\n', { flag: 'a' });
    assert.doesNotMatch(buildIfChanged(), /without a build/);
    assert.ok(builtAt() > first, 'dist/ was rebuilt');
    assert.match(buildIfChanged(), /starting without a build/);
  });
});
