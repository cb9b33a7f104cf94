import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderModels } from '../../providers/registry.ts';
import { UpstreamModelLists } from './upstream-model-lists.ts';

describe('UpstreamModelLists', () => {
  it('reuses a list for a minute, leaves out (and reports) a failed one and asks again sooner', async () => {
    let now = 0;
    let calls = 0;
    let failing = true;
    const failures: string[] = [];
    const lists = new UpstreamModelLists(
      {
        listProviderModels: async (): Promise<ProviderModels[]> => {
          calls += 1;
          return [
            { provider: 'a', models: ['a-1'] },
            failing ? { provider: 'b', error: new Error('down') } : { provider: 'b', models: ['b-1'] },
          ];
        },
      },
      (provider) => failures.push(provider),
      () => now,
    );
    assert.deepEqual(await lists.lists(), [{ provider: 'a', models: ['a-1'] }]);
    assert.deepEqual(failures, ['b']);
    now = 4_000;
    await lists.lists();
    assert.equal(calls, 1, 'within the retry time, the list is reused');
    failing = false;
    now = 5_000;
    assert.deepEqual(await lists.lists(), [
      { provider: 'a', models: ['a-1'] },
      { provider: 'b', models: ['b-1'] },
    ]);
    assert.equal(calls, 2, 'after a failure, asked again after 5 s');
    now = 64_000;
    await lists.lists();
    assert.equal(calls, 2, 'a whole list is reused for a minute');
    now = 65_000;
    await lists.lists();
    assert.equal(calls, 3);
  });
});
