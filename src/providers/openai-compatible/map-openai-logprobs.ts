/** OpenAI's `logprobs.content` as the spec's `TokenLogprob`s. */

import type { TokenAlternative, TokenLogprob } from '../spec.ts';
import type { OpenAILogprobs, OpenAITokenAlternative } from './openai-wire.ts';

const toAlternative = (token: OpenAITokenAlternative): TokenAlternative => ({
  token: token.token,
  logprob: token.logprob,
  bytes: token.bytes ?? null,
});

/** The tokens of a choice's `logprobs`, or undefined when it carries none. */
export function mapOpenAILogprobs(logprobs: OpenAILogprobs | null | undefined): TokenLogprob[] | undefined {
  const content = logprobs?.content;
  if (content === undefined || content === null) return undefined;
  return content.map((token) => ({
    ...toAlternative(token),
    topLogprobs: (token.top_logprobs ?? []).map(toAlternative),
  }));
}
