import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeOpenAIUpstream } from '../../../test/support/fake-openai-upstream.ts';
import { EnvironmentReader } from '../../config/environment-reader.ts';
import { anthropic } from './definition.ts';

const configure = (environment: Record<string, string>) =>
  anthropic.configure(new EnvironmentReader(environment, []));

describe('the anthropic definition', () => {
  let upstream: FakeOpenAIUpstream;
  before(async () => {
    upstream = await FakeOpenAIUpstream.start('anthropic');
  });
  after(() => upstream.close());

  it('is set up by ANTHROPIC_API_KEY, claims claude names, and sends the key to ANTHROPIC_BASE_URL', async () => {
    assert.equal(configure({ ANTHROPIC_BASE_URL: upstream.baseUrl }).environment, undefined);
    const setUp = configure({
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: `${upstream.baseUrl}/`,
    }).environment;
    assert.equal(setUp?.defaultModel, 'claude-sonnet-4-5');
    assert.equal(setUp?.claims?.('claude-haiku-4-5'), true);
    assert.equal(setUp?.claims?.('gpt-4o'), false);
    const answer = await setUp
      ?.createModel('claude-haiku-4-5')
      .doGenerate([{ role: 'user', content: 'Hi' }], {});
    assert.equal(answer?.text, 'echo: Hi');
    assert.equal(upstream.lastRequest().path, '/v1/messages');
    assert.equal(upstream.lastRequest().headers['x-api-key'], 'sk-ant');
  });

  it('lists the models its key may use, from GET /v1/models', async () => {
    const setUp = configure({
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: upstream.baseUrl,
    }).environment;
    upstream.models = ['claude-haiku-4-5', 'claude-opus-4-1'];
    assert.deepEqual(await setUp?.listModels?.(), ['claude-haiku-4-5', 'claude-opus-4-1']);
    const request = upstream.lastRequest();
    assert.equal(request.path, '/v1/models?limit=1000');
    assert.equal(request.headers['x-api-key'], 'sk-ant');
    assert.equal(request.headers['anthropic-version'], '2023-06-01');
    upstream.models = undefined;
    await assert.rejects(setUp?.listModels?.() ?? Promise.resolve(), /model list with status 404/);
  });
});
