/** docs/architecture.md names files and folders: each must exist, so the map cannot drift. */

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(import.meta.dirname, '..');

describe('docs/architecture.md', () => {
  it('names only paths that exist', () => {
    const text = readFileSync(resolve(root, 'docs/architecture.md'), 'utf8');
    const paths = [...text.matchAll(/`((?:src|test|docs)\/[^`\s]+)`/g)].map((match) => match[1] ?? '');
    assert.ok(paths.length > 20, 'the scan found the paths');
    const missing = paths.filter((path) => !existsSync(resolve(root, path.replace(/\/<name>\/$/, '/'))));
    assert.deepEqual(missing, []);
  });

  it('lists every top-level folder of src/ in its layers', () => {
    const text = readFileSync(resolve(root, 'docs/architecture.md'), 'utf8');
    const layers = text.slice(text.indexOf('```'), text.indexOf('```', text.indexOf('```') + 3));
    for (const folder of [
      'http',
      'conversations',
      'access',
      'providers',
      'tokens',
      'store',
      'infra',
      'config',
    ]) {
      assert.match(layers, new RegExp(`^${folder}/`, 'm'), `${folder}/ is in the layer map`);
    }
  });
});
