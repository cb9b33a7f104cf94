/**
 * The `openai-compatible` provider: anything that speaks `POST {baseUrl}/chat/completions`
 * (OpenAI, Azure OpenAI, DeepSeek, Qwen, Groq, Mistral, vLLM, Ollama, llama.cpp server, ...).
 */

import {
  DEFAULT_UPSTREAM_TIMEOUTS,
  parseJsonOrUndefined,
  postOrThrow,
  readBodyText,
  readServerSentEvents,
  releaseBody,
  type UpstreamResponse,
  type UpstreamTimeouts,
} from '../shared/upstream-http.ts';
import type {
  CallOptions,
  ChatModel,
  GenerateResult,
  ModelCapabilities,
  PromptMessage,
  StreamPart,
  Usage,
} from '../spec.ts';
import { ProviderError } from '../spec.ts';
import {
  convertToOpenAIMessages,
  convertToOpenAIResponseFormat,
  convertToOpenAIToolChoice,
  convertToOpenAITools,
} from './convert-to-openai-messages.ts';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.ts';
import { mapOpenAILogprobs } from './map-openai-logprobs.ts';
import { contentTypeOf, httpError, invalidResponse, PROVIDER, streamedError } from './openai-error.ts';
import { OPENAI_MEDIA_TOKENS } from './openai-media-tokens.ts';
import {
  isChatCompletion,
  isChatCompletionChunk,
  isErrorBody,
  type OpenAIUsage,
  reasoningOf,
} from './openai-wire.ts';

export interface OpenAICompatibleSettings {
  /** E.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  readonly baseUrl: string;
  readonly modelId: string;
  readonly apiKey?: string;
  readonly timeouts?: UpstreamTimeouts;
  /** Ask for usage in the last chunk (`stream_options.include_usage`); a few old servers refuse it. */
  readonly includeUsageInStream?: boolean;
}

function toUsage(usage: OpenAIUsage | null | undefined): Usage | undefined {
  if (usage === undefined || usage === null) return undefined;
  return { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
}

/** What an OpenAI-compatible upstream takes: all of it, OpenAI's own fields passed as they are. */
export const OPENAI_COMPATIBLE_CAPABILITIES: ModelCapabilities = {
  tools: true,
  responseFormat: true,
  images: true,
  files: true,
  logprobs: true,
  reasoning: true,
  audio: true,
  participantNames: true,
  sampling: true,
  openaiFields: true,
  mediaTokens: OPENAI_MEDIA_TOKENS,
};

export class OpenAICompatibleChatModel implements ChatModel {
  readonly provider = PROVIDER;
  readonly capabilities = OPENAI_COMPATIBLE_CAPABILITIES;
  readonly modelId: string;
  readonly #url: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeouts: UpstreamTimeouts;
  readonly #includeUsageInStream: boolean;

  constructor(settings: OpenAICompatibleSettings) {
    this.modelId = settings.modelId;
    this.#url = `${settings.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.#headers = settings.apiKey === undefined ? {} : { authorization: `Bearer ${settings.apiKey}` };
    this.#timeouts = settings.timeouts ?? DEFAULT_UPSTREAM_TIMEOUTS;
    this.#includeUsageInStream = settings.includeUsageInStream ?? true;
  }

  async doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult> {
    const response = await this.#post(this.#requestBody(prompt, options, false), options.signal);
    const text = await readBodyText(PROVIDER, response, options.signal);
    const body = parseJsonOrUndefined(text);
    if (!isChatCompletion(body)) {
      throw invalidResponse(
        'the upstream answered with something that is not a chat completion',
        contentTypeOf(response.headers),
      );
    }
    const choice = body.choices[0];
    if (choice === undefined) throw invalidResponse('the upstream answered with no choices');
    const usage = toUsage(body.usage);
    const toolCalls = (choice.message.tool_calls ?? []).map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    }));
    const logprobs = mapOpenAILogprobs(choice.logprobs);
    const reasoning = reasoningOf(choice.message);
    return {
      text: choice.message.content ?? '',
      finishReason: mapOpenAIFinishReason(choice.finish_reason),
      ...(usage === undefined ? {} : { usage }),
      ...(reasoning === undefined ? {} : { reasoning: [{ text: reasoning }] }),
      ...(toolCalls.length === 0 ? {} : { toolCalls }),
      ...(logprobs === undefined ? {} : { logprobs }),
    };
  }

  async *doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncGenerator<StreamPart> {
    const response = await this.#post(this.#requestBody(prompt, options, true), options.signal);
    const contentType = contentTypeOf(response.headers) ?? '';
    if (!contentType.includes('text/event-stream')) {
      releaseBody(response, options.signal);
      throw invalidResponse('the upstream did not answer with an event stream', contentType);
    }
    let finishReason: string | null | undefined;
    let usage: Usage | undefined;
    for await (const event of readServerSentEvents(PROVIDER, response, options.signal)) {
      if (event.data === '[DONE]') {
        yield finishPart(finishReason, usage);
        return;
      }
      const chunk = parseJsonOrUndefined(event.data);
      if (isErrorBody(chunk)) throw streamedError(chunk);
      if (!isChatCompletionChunk(chunk))
        throw invalidResponse('the upstream sent a chunk that is not a chat completion chunk');
      usage = toUsage(chunk.usage) ?? usage;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      const reasoning = reasoningOf(choice.delta);
      if (reasoning !== undefined) yield { type: 'reasoning-delta', delta: reasoning };
      const delta = choice.delta.content;
      if (typeof delta === 'string' && delta !== '') {
        const logprobs = mapOpenAILogprobs(choice.logprobs);
        yield logprobs === undefined
          ? { type: 'text-delta', delta }
          : { type: 'text-delta', delta, logprobs };
      }
      for (const call of choice.delta.tool_calls ?? []) {
        yield {
          type: 'tool-call-delta',
          index: call.index,
          ...(call.id == null ? {} : { id: call.id }),
          ...(call.function?.name == null ? {} : { name: call.function.name }),
          argumentsDelta: call.function?.arguments ?? '',
        };
      }
      if (choice.finish_reason !== undefined && choice.finish_reason !== null)
        finishReason = choice.finish_reason;
    }
    // The connection ended without `[DONE]`. With a finish reason the answer is whole (some servers
    // skip `[DONE]`); without one it was cut off, and saying so is better than a silent clean end.
    if (finishReason === undefined || finishReason === null) {
      throw new ProviderError('the upstream closed the stream before the answer was complete', {
        kind: 'network',
        provider: PROVIDER,
      });
    }
    yield finishPart(finishReason, usage);
  }

  #requestBody(prompt: readonly PromptMessage[], options: CallOptions, stream: boolean): string {
    return JSON.stringify({
      // The caller's own fields first: the ones Parley maps itself below take precedence.
      ...options.openaiFields,
      model: this.modelId,
      messages: convertToOpenAIMessages(prompt),
      max_tokens: options.maxOutputTokens,
      temperature: options.temperature,
      top_p: options.topP,
      stop: options.stop,
      tools: options.tools === undefined ? undefined : convertToOpenAITools(options.tools),
      tool_choice:
        options.toolChoice === undefined ? undefined : convertToOpenAIToolChoice(options.toolChoice),
      parallel_tool_calls: options.parallelToolCalls,
      reasoning_effort: options.reasoning?.effort,
      response_format:
        options.responseFormat === undefined
          ? undefined
          : convertToOpenAIResponseFormat(options.responseFormat),
      logprobs: options.logprobs === undefined ? undefined : true,
      // No alternatives asked for: left out, as some servers refuse `top_logprobs: 0`.
      top_logprobs:
        options.logprobs === undefined || options.logprobs.topLogprobs === 0
          ? undefined
          : options.logprobs.topLogprobs,
      ...(stream
        ? { stream: true, ...(this.#includeUsageInStream ? { stream_options: { include_usage: true } } : {}) }
        : {}),
    });
  }

  #post(body: string, signal: AbortSignal | undefined): Promise<UpstreamResponse> {
    return postOrThrow(
      {
        provider: PROVIDER,
        url: this.#url,
        headers: { accept: 'application/json, text/event-stream', ...this.#headers },
        body,
        signal,
        timeouts: this.#timeouts,
      },
      httpError,
    );
  }
}

function finishPart(finishReason: string | null | undefined, usage: Usage | undefined): StreamPart {
  return {
    type: 'finish',
    finishReason: mapOpenAIFinishReason(finishReason),
    ...(usage === undefined ? {} : { usage }),
  };
}
