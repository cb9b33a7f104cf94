/**
 * A turn its provider refuses costs nothing: with context summaries on, a refused message into a
 * conversation that outgrew the window is a 400 before a summary is asked for or stored, and
 * before the question is written.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ChatModel, type PromptMessage, ProviderError } from '../src/providers/spec.ts';
import { buildTestApp } from './support/test-app.ts';

const SUMMARY_REQUEST = 'Summarize the conversation so far';

/** Answers long, writes summaries when asked, and refuses (in checkCall) a question that says so. */
function refusingModel(calls: PromptMessage[][]): ChatModel {
  return {
    provider: 'picky',
    modelId: 'picky',
    checkCall(prompt) {
      if (prompt.at(-1)?.content.startsWith('refuse') === true)
        throw new ProviderError('the picky provider refuses this', {
          kind: 'unsupported',
          provider: 'picky',
        });
    },
    async doGenerate(prompt) {
      calls.push([...prompt]);
      const summary = prompt.at(-1)?.content.startsWith(SUMMARY_REQUEST) === true;
      return { text: summary ? 'SUMMARY' : `answer ${'word '.repeat(300)}`, finishReason: 'stop' };
    },
    async *doStream() {
      yield { type: 'finish', finishReason: 'stop' };
    },
  };
}

describe('a refused turn with context summaries on', () => {
  it('is a 400 before any summary is asked for, and nothing is written', async () => {
    const calls: PromptMessage[][] = [];
    const model = refusingModel(calls);
    const parley = await buildTestApp({
      env: { PARLEY_MAX_CONTEXT_TOKENS: '6000', PARLEY_CONTEXT_SUMMARIES: 'true' },
      models: { defaultModel: 'picky', setupAdvice: '', resolve: () => model },
    });
    try {
      const call = async (method: 'GET' | 'POST', url: string, payload?: object) =>
        parley.app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
      const id = ((await call('POST', '/api/conversations', {})).json() as { id: string }).id;
      for (let turn = 0; turn < 6; turn += 1) {
        const answered = await call('POST', `/api/conversations/${id}/messages`, {
          content: `q${turn} ${'word '.repeat(300)}`,
        });
        assert.equal(answered.statusCode, 200, answered.body);
      }
      const before = (await call('GET', `/api/conversations/${id}`)).json() as { messages: unknown[] };
      const callsBefore = calls.length;
      // Long enough that the window needs a (new) summary to hold it.
      const refused = await call('POST', `/api/conversations/${id}/messages`, {
        content: `refuse ${'word '.repeat(2_500)}`,
      });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.body, /the picky provider refuses this/);
      assert.equal(calls.length, callsBefore, 'no summary nor answer was asked for');
      const after = (await call('GET', `/api/conversations/${id}`)).json() as { messages: unknown[] };
      assert.deepEqual(after.messages, before.messages);
    } finally {
      await parley.app.close();
      await parley.store.close();
    }
  });
});
