/**
 * The `anthropic` provider: the Messages API (`POST {baseUrl}/v1/messages`, `x-api-key`,
 * `anthropic-version: 2023-06-01`). `baseUrl` is the API's root without `/v1`
 * (`https://api.anthropic.com`), as Anthropic's SDKs take it.
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
  ReasoningPart,
  StreamPart,
  ToolCall,
} from '../spec.ts';
import { headerValue } from '../spec.ts';
import { checkAnthropicCall, planAnthropicCall } from './anthropic-call-plan.ts';
import { httpError, invalidResponse, PROVIDER } from './anthropic-error.ts';
import { ANTHROPIC_MEDIA_TOKENS } from './anthropic-media-tokens.ts';
import { fromThinkingBlock } from './anthropic-thinking-payload.ts';
import { type AnthropicMessage, isMessage } from './anthropic-wire.ts';
import { convertToAnthropicToolChoice, convertToAnthropicTools } from './convert-to-anthropic-tools.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';
import { readAnthropicStream, toUsage } from './read-anthropic-stream.ts';

export const ANTHROPIC_VERSION = '2023-06-01';

export interface AnthropicSettings {
  readonly baseUrl: string;
  readonly modelId: string;
  readonly apiKey: string;
  readonly timeouts?: UpstreamTimeouts;
}

/** Tools, images, documents, thinking and sampling, in the Messages API's own form; not OpenAI's other fields. */
export const ANTHROPIC_CAPABILITIES: ModelCapabilities = {
  tools: true,
  responseFormat: false,
  images: true,
  files: true,
  reasoning: true,
  sampling: true,
  openaiFields: false,
  mediaTokens: ANTHROPIC_MEDIA_TOKENS,
};

export class AnthropicChatModel implements ChatModel {
  readonly provider = PROVIDER;
  readonly capabilities = ANTHROPIC_CAPABILITIES;
  readonly modelId: string;
  readonly #url: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeouts: UpstreamTimeouts;

  constructor(settings: AnthropicSettings) {
    this.modelId = settings.modelId;
    this.#url = `${settings.baseUrl.replace(/\/+$/, '')}/v1/messages`;
    this.#headers = { 'x-api-key': settings.apiKey, 'anthropic-version': ANTHROPIC_VERSION };
    this.#timeouts = settings.timeouts ?? DEFAULT_UPSTREAM_TIMEOUTS;
  }

  /** Refuses what Anthropic would (thinking with a forced tool call, and the like) before any call. */
  checkCall(prompt: readonly PromptMessage[], options: CallOptions): void {
    checkAnthropicCall(prompt, options);
  }

  async doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult> {
    const response = await this.#post(this.#requestBody(prompt, options, false), options.signal);
    const body = parseJsonOrUndefined(await readBodyText(PROVIDER, response, options.signal));
    if (!isMessage(body)) throw invalidResponse('Anthropic answered with something that is not a message');
    return toGenerateResult(body);
  }

  async *doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncGenerator<StreamPart> {
    const response = await this.#post(this.#requestBody(prompt, options, true), options.signal);
    const contentType = headerValue(response.headers, 'content-type') ?? '';
    if (!contentType.includes('text/event-stream')) {
      releaseBody(response, options.signal);
      throw invalidResponse(`Anthropic did not answer with an event stream (content-type ${contentType})`);
    }
    yield* readAnthropicStream(readServerSentEvents(PROVIDER, response, options.signal));
  }

  #requestBody(prompt: readonly PromptMessage[], options: CallOptions, stream: boolean): string {
    const { system, messages, thinking, max_tokens } = planAnthropicCall(prompt, options);
    const tools = options.tools ?? [];
    return JSON.stringify({
      model: this.modelId,
      max_tokens,
      messages,
      system,
      temperature: options.temperature,
      top_p: options.topP,
      stop_sequences: options.stop,
      thinking,
      ...(tools.length === 0
        ? {}
        : {
            tools: convertToAnthropicTools(tools),
            tool_choice: convertToAnthropicToolChoice(options.toolChoice, options.parallelToolCalls),
          }),
      ...(stream ? { stream: true } : {}),
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

/** A whole answer: its text, its thinking blocks as reasoning, its `tool_use` blocks as calls. */
function toGenerateResult(body: AnthropicMessage): GenerateResult {
  let text = '';
  const reasoning: ReasoningPart[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of body.content) {
    if (block.type === 'text') text += block.text ?? '';
    else if (block.type === 'tool_use') {
      if (block.id === undefined || block.name === undefined)
        throw invalidResponse('Anthropic answered with a tool_use block without its id and name');
      toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
    } else {
      const part = fromThinkingBlock(block);
      if (part !== undefined) reasoning.push(part);
    }
  }
  const usage = toUsage(body.usage?.input_tokens, body.usage?.output_tokens);
  return {
    text,
    finishReason: mapAnthropicStopReason(body.stop_reason),
    ...(usage === undefined ? {} : { usage }),
    ...(reasoning.length === 0 ? {} : { reasoning }),
    ...(toolCalls.length === 0 ? {} : { toolCalls }),
  };
}
