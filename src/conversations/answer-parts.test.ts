import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerParts } from './answer-parts.ts';

test('a continued answer keeps its earlier reasoning and calls, the new ones after them', () => {
  const parts = new AnswerParts([
    { type: 'reasoning', text: 'First thought.', encrypted: 'sig-1' },
    { type: 'text', text: 'Half' },
    { type: 'tool-call', callId: 'call_1', name: 'weather', arguments: '{}' },
  ]);
  parts.addReasoning('Second ');
  parts.addReasoning('thought.');
  // The continuation's first call is its index 0: it goes after the earlier one, not over it.
  parts.addToolCallDelta(0, { id: 'call_2', name: 'time', argumentsDelta: '{"zone":' });
  parts.addToolCallDelta(0, { argumentsDelta: '"UTC"}' });
  assert.deepEqual(parts.build('Half and whole'), [
    { type: 'reasoning', text: 'First thought.', encrypted: 'sig-1' },
    { type: 'reasoning', text: 'Second thought.' },
    { type: 'text', text: 'Half and whole' },
    { type: 'tool-call', callId: 'call_1', name: 'weather', arguments: '{}' },
    { type: 'tool-call', callId: 'call_2', name: 'time', arguments: '{"zone":"UTC"}' },
  ]);
});

test('a continued answer of text alone stays text alone', () => {
  assert.equal(new AnswerParts([{ type: 'text', text: 'Half' }]).build('Half and whole'), undefined);
});
