/** What a text-only provider's `checkCall` must do, shared by the chatgpt-web and local model tests. */

import assert from 'node:assert/strict';
import { type ChatModel, type PromptMessage, ProviderError } from '../../src/providers/spec.ts';

/** A history holding another model's reasoning, as a conversation that changed models may. */
const AFTER_REASONING: PromptMessage[] = [
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello.', parts: [{ type: 'reasoning', text: 'Greet.' }] },
  { role: 'user', content: 'And?' },
];

/** The model's check refuses a reasoning part by name (kind `unsupported`) and takes plain text. */
export function assertRefusesReasoningParts(model: ChatModel): void {
  assert.ok(model.checkCall !== undefined, `${model.provider} has no checkCall`);
  assert.throws(
    () => model.checkCall?.(AFTER_REASONING, {}),
    (error: unknown) =>
      error instanceof ProviderError &&
      error.kind === 'unsupported' &&
      error.message === `the ${model.provider} provider does not take reasoning parts`,
  );
  model.checkCall([{ role: 'user', content: 'Hi' }], {});
}
