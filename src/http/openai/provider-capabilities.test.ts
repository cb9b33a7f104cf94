import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ParleyError } from '../../errors.ts';
import type { ChatModel, ModelCapabilities } from '../../providers/spec.ts';
import { TEXT_ONLY } from '../../providers/spec.ts';
import { assertChatRequestHonoured, type ChatCompletionRequest } from './chat-completions-request.ts';
import { assertResponsesRequestHonoured, type CreateResponseRequest } from './responses-request.ts';

/** A provider the `/v1` rules have never heard of: only its capabilities speak for it. */
function modelOf(capabilities: ModelCapabilities): ChatModel {
  return {
    provider: 'brand-new',
    modelId: 'm',
    capabilities,
    doGenerate: () => Promise.reject(new Error('not called')),
    doStream: () => {
      throw new Error('not called');
    },
  };
}

function refusedField(check: () => void): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    assert.ok(error instanceof ParleyError);
    assert.match(error.message, /provider 'brand-new'/);
    return error.param;
  }
}

const chat = (fields: Record<string, unknown>) =>
  ({ model: 'm', messages: [{ role: 'user', content: 'x' }], ...fields }) as ChatCompletionRequest;
const responses = (fields: Record<string, unknown>) => ({ input: 'x', ...fields }) as CreateResponseRequest;

describe('what a provider honours of /v1 requests comes from its declared capabilities', () => {
  it('passes OpenAI fields to a provider declaring openaiFields, and refuses them by name elsewhere', () => {
    const open = modelOf({ ...TEXT_ONLY, openaiFields: true });
    const closed = modelOf(TEXT_ONLY);
    assert.equal(
      refusedField(() => assertChatRequestHonoured(chat({ seed: 7 }), open)),
      undefined,
    );
    assert.equal(
      refusedField(() => assertChatRequestHonoured(chat({ seed: 7 }), closed)),
      'seed',
    );
    const verbose = responses({ text: { verbosity: 'high' } });
    assert.equal(
      refusedField(() => assertResponsesRequestHonoured(verbose, open)),
      undefined,
    );
    assert.equal(
      refusedField(() => assertResponsesRequestHonoured(verbose, closed)),
      'text.verbosity',
    );
  });

  it('refuses sampling, reasoning and tools where the capabilities say no', () => {
    const fixed = modelOf({ ...TEXT_ONLY, sampling: false });
    assert.equal(
      refusedField(() => assertChatRequestHonoured(chat({ temperature: 0.3 }), fixed)),
      'temperature',
    );
    assert.equal(
      refusedField(() => assertResponsesRequestHonoured(responses({ max_output_tokens: 9 }), fixed)),
      'max_output_tokens',
    );
    const thinker = modelOf({ ...TEXT_ONLY, reasoning: true });
    const effort = chat({ reasoning_effort: 'low' });
    assert.equal(
      refusedField(() => assertChatRequestHonoured(effort, thinker)),
      undefined,
    );
    assert.equal(
      refusedField(() => assertChatRequestHonoured(effort, fixed)),
      'reasoning_effort',
    );
    const summary = responses({ reasoning: { summary: 'auto' } });
    assert.equal(
      refusedField(() => assertResponsesRequestHonoured(summary, thinker)),
      undefined,
    );
    assert.equal(
      refusedField(() => assertResponsesRequestHonoured(summary, fixed)),
      'reasoning.summary',
    );
    const tools = chat({ tools: [{ type: 'function', function: { name: 'f' } }] });
    assert.equal(
      refusedField(() => assertChatRequestHonoured(tools, fixed)),
      'tools',
    );
    assert.equal(
      refusedField(() => assertChatRequestHonoured(tools, modelOf({ ...TEXT_ONLY, tools: true }))),
      undefined,
    );
  });

  it('carries participant names only to a provider declaring participantNames', () => {
    const named = chat({
      messages: [
        { role: 'user', content: 'x' },
        { role: 'user', content: 'y', name: 'bob' },
      ],
    });
    assert.equal(
      refusedField(() => assertChatRequestHonoured(named, modelOf({ ...TEXT_ONLY, participantNames: true }))),
      undefined,
    );
    assert.equal(
      refusedField(() => assertChatRequestHonoured(named, modelOf(TEXT_ONLY))),
      'messages[1].name',
    );
    // A tool message's name repeats its function's: every provider takes it.
    const toolResult = chat({
      messages: [{ role: 'tool', content: '4', tool_call_id: 'call_1', name: 'roll' }],
    });
    assert.equal(
      refusedField(() => assertChatRequestHonoured(toolResult, modelOf(TEXT_ONLY))),
      undefined,
    );
  });
});
