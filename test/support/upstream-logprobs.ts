/**
 * Log probabilities as an OpenAI-compatible upstream sends them (`choices[].logprobs.content`),
 * whole and in stream chunks, for the tests of the surfaces that return them.
 */

import { chunkFrame, completion, type FakeReply } from './fake-openai-upstream.ts';

/** One token of `logprobs.content`, with its alternatives, as OpenAI sends it. */
export const upstreamToken = (text: string, logprob: number, top: [string, number][] = []) => ({
  token: text,
  logprob,
  bytes: [...Buffer.from(text)],
  top_logprobs: top.map(([alternative, value]) => ({
    token: alternative,
    logprob: value,
    bytes: [...Buffer.from(alternative)],
  })),
});

export type UpstreamToken = ReturnType<typeof upstreamToken>;

export const HELLO = upstreamToken('Hello', -0.01, [
  ['Hello', -0.01],
  ['Hi', -4.6],
]);
export const WORLD = upstreamToken(' world', -0.2, [
  [' world', -0.2],
  [' there', -1.8],
]);

/** A whole completion of `text` whose choice carries these tokens. */
export function completionWithLogprobs(text: string, tokens: readonly UpstreamToken[]): FakeReply {
  const body = completion(text) as { choices: Record<string, unknown>[] };
  (body.choices[0] as Record<string, unknown>).logprobs = { content: tokens, refusal: null };
  return { kind: 'json', body };
}

/** One stream chunk of `content` with the logprobs of its delta. */
export const chunkWithLogprobs = (content: string, tokens: readonly UpstreamToken[]) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'fake-model',
    choices: [
      { index: 0, delta: { content }, logprobs: { content: tokens, refusal: null }, finish_reason: null },
    ],
  })}\n\n`;

/** A stream of "Hello world" whose chunks carry HELLO, then WORLD. */
export const helloWorldStream: FakeReply = {
  kind: 'raw-stream',
  pieces: [
    chunkWithLogprobs('Hello', [HELLO]),
    chunkWithLogprobs(' world', [WORLD]),
    chunkFrame({}, 'stop'),
    'data: [DONE]\n\n',
  ],
};
