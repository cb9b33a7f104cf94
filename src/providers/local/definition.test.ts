import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvironmentReader } from '../../config/environment-reader.ts';
import { ProviderError } from '../spec.ts';
import { local } from './definition.ts';

const configure = (environment: Record<string, string>) =>
  local.configure(new EnvironmentReader(environment, []));

describe('the local definition', () => {
  it('serves the model file by its name and local/<anything>, and loads it at warm-up', async () => {
    assert.equal(configure({}).environment, undefined);
    const setUp = configure({ PARLEY_LOCAL_MODEL: '/nowhere/Tiny-Model.Q4.gguf' }).environment;
    assert.equal(setUp?.defaultModel, 'Tiny-Model.Q4');
    assert.equal(setUp?.claims?.('Tiny-Model.Q4'), true);
    assert.equal(setUp?.claims?.('tiny'), false);
    assert.equal(setUp?.createModel('anything').modelId, 'Tiny-Model.Q4', 'one file, whatever the name');
    // The warm-up fails as a request would: a missing file is a 503 that says so.
    await assert.rejects(setUp?.warmUp?.() ?? Promise.resolve(), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.kind, 'unavailable');
      return true;
    });
  });

  it('reads the engine settings, naming a bad one', () => {
    const problems: string[] = [];
    local.configure(
      new EnvironmentReader({ PARLEY_LOCAL_GPU: 'cuda', PARLEY_LOCAL_THREADS: 'many' }, problems),
    );
    assert.deepEqual(problems, ['PARLEY_LOCAL_THREADS: expected an integer from 1 to 1024, got "many"']);
  });
});
