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
import type { CallOptions, ChatModel, GenerateResult, PromptMessage, StreamPart, Usage } from '../spec.ts';
import { headerValue, ProviderError } from '../spec.ts';
import { httpError, invalidResponse, PROVIDER, streamedError } from './anthropic-error.ts';
import { isMessage, isRecord, isUsage } from './anthropic-wire.ts';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.ts';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.ts';

export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires `max_tokens`; this is used when the request sets no output limit. */
export const DEFAULT_MAX_TOKENS = 4_096;

export interface AnthropicSettings {
  readonly baseUrl: string;
  readonly modelId: string;
  readonly apiKey: string;
  readonly timeouts?: UpstreamTimeouts;
}

export class AnthropicChatModel implements ChatModel {
  readonly provider = PROVIDER;
  readonly capabilities = { tools: false, responseFormat: false, images: true, files: true } as const;
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

  async doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult> {
    const response = await this.#post(this.#requestBody(prompt, options, false), options.signal);
    const body = parseJsonOrUndefined(await readBodyText(PROVIDER, response, options.signal));
    if (!isMessage(body)) throw invalidResponse('Anthropic answered with something that is not a message');
    const text = body.content
      .filter((block) => block.type === 'text')
      .map((block) => block.text ?? '')
      .join('');
    const usage = toUsage(body.usage?.input_tokens, body.usage?.output_tokens);
    return {
      text,
      finishReason: mapAnthropicStopReason(body.stop_reason),
      ...(usage === undefined ? {} : { usage }),
    };
  }

  async *doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncGenerator<StreamPart> {
    const response = await this.#post(this.#requestBody(prompt, options, true), options.signal);
    const contentType = headerValue(response.headers, 'content-type') ?? '';
    if (!contentType.includes('text/event-stream')) {
      releaseBody(response, options.signal);
      throw invalidResponse(`Anthropic did not answer with an event stream (content-type ${contentType})`);
    }
    let inputTokens: number | undefined;
    let outputTokens: number | undefined;
    let stopReason: string | null | undefined;
    for await (const event of readServerSentEvents(PROVIDER, response, options.signal)) {
      const data = parseJsonOrUndefined(event.data);
      if (!isRecord(data))
        throw invalidResponse(`Anthropic sent an event that is not JSON (${event.event ?? 'message'})`);
      switch (data.type) {
        case 'message_start': {
          const usage = isRecord(data.message) ? data.message.usage : undefined;
          if (isUsage(usage)) inputTokens = usage.input_tokens;
          break;
        }
        case 'content_block_delta': {
          const delta = data.delta;
          if (
            isRecord(delta) &&
            delta.type === 'text_delta' &&
            typeof delta.text === 'string' &&
            delta.text !== ''
          ) {
            yield { type: 'text-delta', delta: delta.text };
          }
          break;
        }
        case 'message_delta': {
          if (
            isRecord(data.delta) &&
            (typeof data.delta.stop_reason === 'string' || data.delta.stop_reason === null)
          ) {
            stopReason = data.delta.stop_reason;
          }
          if (isUsage(data.usage) && data.usage.output_tokens !== undefined)
            outputTokens = data.usage.output_tokens;
          break;
        }
        case 'message_stop': {
          const usage = toUsage(inputTokens, outputTokens);
          yield {
            type: 'finish',
            finishReason: mapAnthropicStopReason(stopReason),
            ...(usage === undefined ? {} : { usage }),
          };
          return;
        }
        case 'error':
          throw streamedError(data);
        default:
          // ping, content_block_start, content_block_stop and future events carry nothing we need.
          break;
      }
    }
    throw new ProviderError('Anthropic closed the stream before the answer was complete', {
      kind: 'network',
      provider: PROVIDER,
    });
  }

  #requestBody(prompt: readonly PromptMessage[], options: CallOptions, stream: boolean): string {
    const { system, messages } = convertToAnthropicMessages(prompt);
    return JSON.stringify({
      model: this.modelId,
      max_tokens: options.maxOutputTokens ?? DEFAULT_MAX_TOKENS,
      messages,
      system,
      temperature: options.temperature,
      top_p: options.topP,
      stop_sequences: options.stop,
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

function toUsage(inputTokens: number | undefined, outputTokens: number | undefined): Usage | undefined {
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  return { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 };
}
