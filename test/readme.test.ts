/** The README names files, scripts and variables: this keeps it true to the code. */

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { buildProgram } from '../src/cli/program.ts';
import { PROVIDERS } from '../src/providers/providers.ts';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
/** Where the variables are read: the config (and its access part), and each provider's definition. */
const configSource = [
  join(root, 'src/config/config.ts'),
  join(root, 'src/config/access-config.ts'),
  ...readdirSync(join(root, 'src/providers'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(entry.parentPath, entry.name, 'definition.ts')))
    .map((entry) => join(entry.parentPath, entry.name, 'definition.ts')),
]
  .map((path) => readFileSync(path, 'utf8'))
  .join('\n');

describe('README', () => {
  it('names only paths that exist', () => {
    const paths = [...readme.matchAll(/`((?:src|test|scripts|\.ci)\/[^`\s]*)`/g)].map(
      (match) => match[1] ?? '',
    );
    assert.ok(paths.length >= 8);
    for (const path of paths.filter((candidate) => !candidate.includes('*')))
      assert.ok(existsSync(join(root, path)), `README names ${path}, which does not exist`);
  });

  it('names only npm scripts that exist', () => {
    const scripts = [...readme.matchAll(/npm run ([a-z:-]+)/g)].map((match) => match[1] ?? '');
    assert.ok(scripts.includes('check'));
    for (const script of scripts) assert.ok(packageJson.scripts[script], `README names npm run ${script}`);
  });

  it('names only parley commands and subcommands that exist, and shows the three ways to run it', () => {
    const program = buildProgram();
    const named = [...readme.matchAll(/`(?:npx )?parley ([a-z]+)(?: ([a-z]+(?:\\?\|[a-z]+)*))?/g)];
    assert.ok(named.length >= 10);
    for (const [, name, sub] of named) {
      const command = program.commands.find((candidate) => candidate.name() === name);
      assert.ok(command, `README names parley ${name}, which does not exist`);
      if (sub === undefined || command.commands.length === 0) continue;
      for (const part of sub.split(/\\?\|/)) {
        assert.ok(
          command.commands.some((candidate) => candidate.name() === part),
          `README names parley ${name} ${part}, which does not exist`,
        );
      }
    }
    assert.match(readme, /npx parley /);
    assert.match(readme, /npm install --global \./);
    assert.match(readme, /npm run parley -- /);
  });

  it('documents exactly the variables the config reads', () => {
    const table = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Models and providers'));
    const documented = new Set(
      [...table.matchAll(/^\| `([A-Za-z_]+)`(?:, `([A-Za-z_]+)`)?/gm)].flatMap((m) => [m[1], m[2]]),
    );
    documented.delete(undefined);
    const read = new Set(
      [
        ...configSource.matchAll(
          /'((?:PARLEY_|OPENAI_|ANTHROPIC_|CHATGPT_|DATABASE_|REDIS_)[A-Z_]+|PORT|HOST|access_token)'/g,
        ),
      ].map((m) => m[1]),
    );
    assert.deepEqual([...documented].sort(), [...read].sort());
  });

  it("says, for every provider of the list, what it does with OpenAI's request fields", () => {
    const section = readme.slice(
      readme.indexOf('## The OpenAI-compatible API'),
      readme.indexOf('**One tree'),
    );
    const header = section.split('\n').find((line) => line.startsWith('| request field'));
    assert.ok(header, 'the /v1 field table is there');
    const columns = header
      .split('|')
      .map((cell) => cell.trim())
      .filter((cell) => cell !== '');
    assert.deepEqual(columns.slice(1).sort(), PROVIDERS.map((provider) => provider.name).sort());
  });

  it('gives the two set-up commands: start the server and run the tests', () => {
    assert.match(readme, /npm ci && OPENAI_API_KEY=sk-\.\.\. npm start/);
    assert.match(readme, /npm ci && npm run check/);
    assert.match(readFileSync(join(root, '.ci/run'), 'utf8'), /npm run check/);
  });
});
