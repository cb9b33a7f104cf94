/**
 * The server as a user starts it, with bad settings: the core's variables and each provider's own
 * (read by its definition) are named in one message, a deployment of an unknown provider or with
 * no key stops the start, and no value is ever echoed.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PROVIDERS } from '../src/providers/providers.ts';
import { runServerToExit } from './support/server-process.ts';

describe('starting with bad provider settings', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'parley-start-config-'));
  });
  after(() => rm(directory, { recursive: true, force: true }));

  test('names the core’s and the providers’ bad variables in one message', async () => {
    const { code, output } = await runServerToExit({
      PORT: 'eighty',
      OPENAI_BASE_URL: 'ftp://user:hunter2@example.com',
      PARLEY_LOCAL_GPU: 'tpu',
    });
    assert.equal(code, 1);
    assert.match(
      output,
      /invalid configuration:\n {2}- PORT: .*\n {2}- OPENAI_BASE_URL: .*\n {2}- PARLEY_LOCAL_GPU: /,
    );
    assert.doesNotMatch(output, /hunter2/);
  });

  test('stops on a deployment of an unknown provider, or without the key its provider needs', async () => {
    const path = join(directory, 'parley.yaml');
    await writeFile(
      path,
      'deployments:\n  web: { provider: chatgpt-web, model: auto }\n  odd: { provider: bedrock, model: m }\n',
    );
    const { code, output } = await runServerToExit({
      DATABASE_URL: `sqlite:${join(directory, 'parley.sqlite')}`,
      PARLEY_CONFIG: path,
    });
    assert.equal(code, 1);
    assert.match(output, /deployments\.web: the chatgpt-web provider needs api_key or api_key_env/);
    const names = PROVIDERS.map(({ name }) => name).join(', ');
    assert.ok(output.includes(`deployments.odd.provider: must be one of ${names}`), output);
  });
});
