import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

const folder = mkdtempSync(join(tmpdir(), 'parley-config-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

describe('the config file', () => {
  it('reads a price table from YAML or JSON', () => {
    const yaml = file('parley.yaml', 'prices:\n  gpt-4o-mini: { input: 0.15, output: 0.6 }\n');
    assert.deepEqual(loadConfig({ PARLEY_CONFIG: yaml }).prices, {
      'gpt-4o-mini': { input: 0.15, output: 0.6 },
    });
    const json = file('parley.json', '{"prices": {"m": {"input": 1, "output": 2}}}');
    assert.deepEqual(loadConfig({ PARLEY_CONFIG: json }).prices, { m: { input: 1, output: 2 } });
    assert.equal(loadConfig({ PARLEY_CONFIG: json }).configFile, json);
    assert.deepEqual(loadConfig({ PARLEY_CONFIG: file('empty.yaml', '') }).prices, {});
  });

  it('stops the start naming PARLEY_CONFIG, the file and the place of each problem', () => {
    const problemsOf = (env: Record<string, string>): readonly string[] => {
      try {
        loadConfig(env);
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.problems;
      }
      return [];
    };
    const bad = file('bad.yaml', 'prices:\n  m: { input: -1, output: 2, extra: 3 }\nroutes: []\n');
    const problems = problemsOf({ PARLEY_CONFIG: bad });
    assert.ok(problems.length >= 2, problems.join('\n'));
    assert.ok(problems.every((problem) => problem.startsWith(`PARLEY_CONFIG: ${bad}:`)));
    assert.ok(problems.some((problem) => problem.includes('prices.m.input')));
    assert.ok(problems.some((problem) => problem.includes('routes')));
    assert.match(
      problemsOf({ PARLEY_CONFIG: join(folder, 'missing.yaml') })[0] ?? '',
      /cannot read .*ENOENT/,
    );
    assert.match(
      problemsOf({ PARLEY_CONFIG: file('broken.yaml', 'prices: [') })[0] ?? '',
      /not valid YAML or JSON/,
    );
  });
});
