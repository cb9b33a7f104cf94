/**
 * Log probabilities on `/v1/responses`, in the two shapes openai-node types: the `output_text`
 * content part's (`ResponseOutputText.Logprob`: token, bytes, logprob, top_logprobs) and the
 * text events' (`ResponseTextDeltaEvent.Logprob`: token, logprob, top_logprobs, no bytes).
 */

import type { TokenAlternative, TokenLogprob } from '../../providers/spec.ts';

/** The `include` value that asks for the answer's log probabilities. */
export const LOGPROBS_INCLUDE = 'message.output_text.logprobs';

// OpenAI's part always carries the token's UTF-8 bytes; an upstream that sent none gets the token's own.
const withBytes = (token: TokenAlternative) => ({
  token: token.token,
  bytes: token.bytes === null ? [...Buffer.from(token.token, 'utf8')] : [...token.bytes],
  logprob: token.logprob,
});

/** An `output_text` part's `logprobs`: `[]` when none were asked for. */
export function toOutputTextLogprobs(tokens: readonly TokenLogprob[] | undefined) {
  return (tokens ?? []).map((token) => ({
    ...withBytes(token),
    top_logprobs: token.topLogprobs.map(withBytes),
  }));
}

/** A `response.output_text.delta` / `.done` event's `logprobs`: `[]` when none were asked for. */
export function toTextEventLogprobs(tokens: readonly TokenLogprob[] | undefined) {
  return (tokens ?? []).map((token) => ({
    token: token.token,
    logprob: token.logprob,
    top_logprobs: token.topLogprobs.map(({ token: alternative, logprob }) => ({
      token: alternative,
      logprob,
    })),
  }));
}

interface OutputItem {
  readonly type: string;
  readonly content?: readonly { readonly type: string }[];
}

/** A Response object whose message's `output_text` carries these tokens (none: as it was). */
export function withOutputTextLogprobs<R extends { readonly output: readonly OutputItem[] }>(
  response: R,
  tokens: readonly TokenLogprob[] | undefined,
): R {
  if (tokens === undefined || tokens.length === 0) return response;
  const logprobs = toOutputTextLogprobs(tokens);
  const output = response.output.map((item) =>
    item.type !== 'message' || item.content === undefined
      ? item
      : {
          ...item,
          content: item.content.map((part) => (part.type === 'output_text' ? { ...part, logprobs } : part)),
        },
  );
  return { ...response, output };
}
