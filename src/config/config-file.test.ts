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
    const badProvider = file(
      'bad-provider.yaml',
      'deployments:\n  a: { provider: openai, model: m, nope: 1 }\n',
    );
    // The provider's name is checked by the model registry, against its list (registry.test.ts).
    assert.deepEqual(problemsOf({ PARLEY_CONFIG: badProvider }), [
      `PARLEY_CONFIG: ${badProvider}: deployments.a: must NOT have additional properties (nope)`,
    ]);
  });

  it('reads deployments, routes and routing settings, with keys from the environment', () => {
    const path = file(
      'routes.yaml',
      [
        'deployments:',
        '  a: { provider: openai-compatible, model: gpt-4o-mini, api_key_env: KEY_A, weight: 3 }',
        '  b: { provider: anthropic, model: claude-haiku-4-5, api_key: sk-ant-inline, base_url: "http://127.0.0.1:9" }',
        'routes:',
        '  fast: { deployments: [a], fallbacks: [b] }',
        'routing: { retries: 1, cooldown_ms: 1000 }',
      ].join('\n'),
    );
    const config = loadConfig({ PARLEY_CONFIG: path, KEY_A: 'sk-a' });
    assert.deepEqual(config.deployments, [
      { name: 'a', provider: 'openai-compatible', model: 'gpt-4o-mini', apiKey: 'sk-a', weight: 3 },
      {
        name: 'b',
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        baseUrl: 'http://127.0.0.1:9',
        apiKey: 'sk-ant-inline',
        weight: 1,
      },
    ]);
    assert.deepEqual(config.routes, [{ name: 'fast', deployments: ['a'], fallbacks: ['b'] }]);
    assert.equal(config.routing.retries, 1);
    assert.equal(config.routing.cooldownMs, 1000);
    assert.equal(config.routing.backoffMs, 250, 'unset settings keep their defaults');
  });

  it('names a route’s unknown deployment and an unset key variable', () => {
    const path = file(
      'bad-routes.yaml',
      [
        'deployments:',
        '  a: { provider: openai-compatible, model: m, api_key_env: NOT_SET_ANYWHERE }',
        'routes:',
        '  fast: { deployments: [a, ghost] }',
      ].join('\n'),
    );
    let problems: readonly string[] = [];
    try {
      loadConfig({ PARLEY_CONFIG: path });
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      problems = error.problems;
    }
    assert.ok(problems.some((problem) => /deployments\.a: .*NOT_SET_ANYWHERE is not set/.test(problem)));
    assert.ok(
      problems.some((problem) => /routes\.fast\.deployments: no deployment is named "ghost"/.test(problem)),
    );
  });
});
