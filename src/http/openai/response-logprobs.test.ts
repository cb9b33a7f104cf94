import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toOutputTextLogprobs, toTextEventLogprobs, withOutputTextLogprobs } from './response-logprobs.ts';

const CAFE = {
  token: 'café',
  logprob: -0.5,
  bytes: null,
  topLogprobs: [{ token: 'cafe', logprob: -1, bytes: [99] }],
};

test('an output_text part always carries bytes: the upstream’s, else the token’s UTF-8', () => {
  assert.deepEqual(toOutputTextLogprobs([CAFE]), [
    {
      token: 'café',
      bytes: [99, 97, 102, 195, 169],
      logprob: -0.5,
      top_logprobs: [{ token: 'cafe', bytes: [99], logprob: -1 }],
    },
  ]);
  assert.deepEqual(toOutputTextLogprobs(undefined), []);
});

test('a text event carries tokens without bytes', () => {
  assert.deepEqual(toTextEventLogprobs([CAFE]), [
    { token: 'café', logprob: -0.5, top_logprobs: [{ token: 'cafe', logprob: -1 }] },
  ]);
});

test('only the output_text parts of message items get the tokens', () => {
  const response = {
    output: [
      { type: 'message', content: [{ type: 'output_text', text: 'café', logprobs: [] }] },
      { type: 'function_call', name: 'f' },
    ],
  };
  const [message, call] = withOutputTextLogprobs(response, [CAFE]).output;
  assert.deepEqual(
    (message as { content: { logprobs: unknown }[] }).content[0]?.logprobs,
    toOutputTextLogprobs([CAFE]),
  );
  assert.deepEqual(call, { type: 'function_call', name: 'f' });
  assert.equal(withOutputTextLogprobs(response, undefined), response);
});
