import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeOpenAIUpstream } from '../../../test/support/fake-openai-upstream.ts';
import { EnvironmentReader } from '../../config/environment-reader.ts';
import { openaiCompatible } from './definition.ts';

const configure = (environment: Record<string, string>) =>
  openaiCompatible.configure(new EnvironmentReader(environment, []));
const question = [{ role: 'user', content: 'Hi' }] as const;

describe('the openai-compatible definition', () => {
  let upstream: FakeOpenAIUpstream;
  before(async () => {
    upstream = await FakeOpenAIUpstream.start();
  });
  after(() => upstream.close());

  it('is set up by OPENAI_API_KEY and OPENAI_BASE_URL (trailing slashes dropped), sending the key', async () => {
    const setUp = configure({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: `${upstream.baseUrl}//`,
    }).environment;
    assert.equal(setUp?.defaultModel, 'gpt-4o-mini');
    const answer = await setUp?.createModel('gpt-4o').doGenerate(question, {});
    assert.equal(answer?.text, 'echo: Hi');
    assert.equal(upstream.lastRequest().path, '/v1/chat/completions');
    assert.equal(upstream.lastRequest().headers.authorization, 'Bearer sk-test');
    assert.equal((upstream.lastRequest().body as { model: string }).model, 'gpt-4o');
  });

  it('is set up by the base URL alone, for servers that need no key', async () => {
    const setUp = configure({ OPENAI_BASE_URL: upstream.baseUrl }).environment;
    await setUp?.createModel('llama3.2').doGenerate(question, {});
    assert.equal(upstream.lastRequest().headers.authorization, undefined);
    assert.equal(configure({}).environment, undefined, 'with neither it is not set up');
  });

  it('builds a deployment from its own base URL and key', async () => {
    const model = configure({}).createModel({ model: 'm', baseUrl: `${upstream.baseUrl}/`, apiKey: 'sk-d' });
    await model.doGenerate(question, {});
    assert.equal(upstream.lastRequest().path, '/v1/chat/completions');
    assert.equal(upstream.lastRequest().headers.authorization, 'Bearer sk-d');
  });
});
