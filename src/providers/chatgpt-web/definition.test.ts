import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnvironmentReader } from '../../config/environment-reader.ts';
import { chatgptWeb } from './definition.ts';

const configure = (environment: Record<string, string>) =>
  chatgptWeb.configure(new EnvironmentReader(environment, []));

describe('the chatgpt-web definition', () => {
  it('is set up by CHATGPT_ACCESS_TOKEN or the seed’s access_token, with `auto` by default', () => {
    assert.equal(configure({ CHATGPT_BASE_URL: 'https://proxy.example/api/' }).environment, undefined);
    for (const name of ['CHATGPT_ACCESS_TOKEN', 'access_token']) {
      const setUp = configure({ [name]: 'eyJ-token' }).environment;
      assert.equal(setUp?.defaultModel, 'auto');
      const model = setUp?.createModel('gpt-4o');
      assert.equal(model?.modelId, 'gpt-4o');
      assert.ok(model?.threads !== undefined, 'its upstream keeps conversations');
    }
    assert.equal(chatgptWeb.keepsUpstreamThreads, true);
  });
});
