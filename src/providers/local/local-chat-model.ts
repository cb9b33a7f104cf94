/**
 * The `local` provider: a GGUF model run in process by llama.cpp (through node-llama-cpp), so a
 * machine with no API key still chats. The prompt goes through the model's own chat template; the
 * answer streams token by token. Tools go through node-llama-cpp's function calling where that
 * template has a call syntax: the model's calls are returned, never run here. The engine itself (see local-engine.ts) is loaded on first use
 * and shared, so making a `LocalChatModel` is cheap.
 */

import { PartQueue } from '../shared/part-queue.ts';
import type {
  CallOptions,
  ChatModel,
  GenerateResult,
  ModelCapabilities,
  PromptMessage,
  StreamPart,
  ToolCall,
} from '../spec.ts';
import { assertTextOnly, ProviderError, TEXT_ONLY } from '../spec.ts';
import { convertToLlamaChatHistory } from './convert-to-llama-chat-history.ts';
import { FunctionCallDeltas } from './function-call-deltas.ts';
import {
  type EngineSettings,
  type FunctionCallingRequest,
  type LocalEngine,
  type LocalGpu,
  loadedLocalEngine,
  loadLocalEngine,
} from './local-engine.ts';
import { abortedError, localError, messageOf, PROVIDER, throwIfAborted } from './local-error.ts';
import { mapLocalStopReason } from './map-local-stop-reason.ts';
import { planLlamaFunctions } from './plan-llama-functions.ts';
import { defaultCacheDir, defaultModelId } from './resolve-model-path.ts';

export type { LocalGpu } from './local-engine.ts';

export interface LocalSettings {
  /**
   * A `.gguf` file (`~/` is the home directory, a relative path starts at the working directory),
   * or an `hf:` URI (`hf:owner/repo:Q4_K_M`, `hf:owner/repo/file.gguf`) or https URL of one,
   * fetched once into `cacheDir`.
   */
  readonly modelPath: string;
  /** The model's name in Parley; by default the file's name without `.gguf`, or the URI. */
  readonly modelId?: string;
  /** Where URIs are fetched to; by default `~/.cache/parley/models`. */
  readonly cacheDir?: string;
  /** Tokens of context per request; by default the model's own, at most 4096 (less when memory is short). */
  readonly contextSize?: number;
  /**
   * `false` (the CPU) by default, `'metal'` on Apple silicon (the only build there); `'auto'`, `'cuda'`
   * or `'vulkan'` need a GPU build of node-llama-cpp installed (see the README).
   */
  readonly gpu?: LocalGpu;
  /** CPU threads for evaluation; by default all of the machine's math cores. */
  readonly threads?: number;
  /** How many requests generate at once; the rest wait their turn. 2 by default. */
  readonly parallelSequences?: number;
  /** Draw a progress bar while fetching the model; true by default. */
  readonly showDownloadProgress?: boolean;
  /** Hugging Face's address, for a mirror; by default `HF_ENDPOINT` or huggingface.co. */
  readonly huggingFaceEndpoint?: string;
}

export const DEFAULT_PARALLEL_SEQUENCES = 2;

/** The GPU choice when none is set: the CPU, except on Apple silicon where Metal is the only build. */
export function defaultGpu(platform: string = process.platform, arch: string = process.arch): LocalGpu {
  return platform === 'darwin' && arch === 'arm64' ? 'metal' : false;
}

/**
 * @example
 * const model = new LocalChatModel({ modelPath: './models/qwen2.5-0.5b-instruct-q4_k_m.gguf' });
 * for await (const part of model.doStream([{ role: 'user', content: 'Hi' }], {})) console.log(part);
 */
export class LocalChatModel implements ChatModel {
  readonly provider = PROVIDER;
  readonly modelId: string;
  readonly #engine: EngineSettings;

  constructor(settings: LocalSettings) {
    this.modelId = settings.modelId ?? defaultModelId(settings.modelPath);
    this.#engine = {
      modelPath: settings.modelPath,
      cacheDir: settings.cacheDir ?? defaultCacheDir(),
      gpu: settings.gpu ?? defaultGpu(),
      contextSize: settings.contextSize,
      threads: settings.threads,
      parallelSequences: settings.parallelSequences ?? DEFAULT_PARALLEL_SEQUENCES,
      showDownloadProgress: settings.showDownloadProgress ?? true,
      huggingFaceEndpoint: settings.huggingFaceEndpoint,
    };
  }

  /**
   * Tools when the model's chat template has a function-call syntax, which is known once the
   * engine has loaded; until then tools are taken, and a model without that syntax refuses them
   * when the request reaches it (the same 400, one step later).
   */
  get capabilities(): ModelCapabilities {
    const tools = loadedLocalEngine(this.#engine)?.functionCalling ?? true;
    return { ...TEXT_ONLY, tools };
  }

  /**
   * Loads the engine now (fetching the model first if it is a URI) instead of on the first request,
   * e.g. at start. Throws the ProviderError a request would get.
   */
  async load(signal?: AbortSignal): Promise<void> {
    await this.#loadEngine(signal);
  }

  /** Refuses a prompt with parts beyond text (a reasoning part of another model's answer) before any call. */
  checkCall(prompt: readonly PromptMessage[]): void {
    assertTextOnly(prompt, PROVIDER);
  }

  /** The prompt as the model sees it after its chat template, special tokens included. */
  async renderPrompt(prompt: readonly PromptMessage[], signal?: AbortSignal): Promise<string> {
    return (await this.#loadEngine(signal)).renderPrompt(convertToLlamaChatHistory(prompt));
  }

  async doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult> {
    let text = '';
    const toolCalls: ToolCall[] = [];
    for await (const part of this.doStream(prompt, options)) {
      if (part.type === 'text-delta') text += part.delta;
      else if (part.type === 'tool-call-delta') {
        const call = toolCalls[part.index];
        if (call === undefined)
          toolCalls.push({ id: part.id ?? '', name: part.name ?? '', arguments: part.argumentsDelta });
        else toolCalls[part.index] = { ...call, arguments: call.arguments + part.argumentsDelta };
      } else if (part.type === 'finish') {
        return {
          text,
          finishReason: part.finishReason,
          ...(part.usage === undefined ? {} : { usage: part.usage }),
          ...(toolCalls.length === 0 ? {} : { toolCalls }),
        };
      }
    }
    throw localError('the local engine ended without finishing the answer', 'invalid-response');
  }

  async *doStream(prompt: readonly PromptMessage[], options: CallOptions): AsyncGenerator<StreamPart> {
    const signal = options.signal;
    const engine = await this.#loadEngine(signal);
    const parts = new PartQueue<StreamPart>();
    // Stops the engine when the caller aborts or stops reading; the engine then frees its sequence.
    const stop = new AbortController();
    const onAbort = () => {
      stop.abort();
      parts.wake();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      throwIfAborted(signal);
      const functionCalling = this.#functionCalling(engine, options, (part) => parts.push(part));
      engine
        .generate({
          history: convertToLlamaChatHistory(prompt),
          maxTokens: options.maxOutputTokens,
          temperature: options.temperature,
          topP: options.topP,
          stop: options.stop,
          signal: stop.signal,
          onText: (delta) => parts.push({ type: 'text-delta', delta }),
          ...(functionCalling === undefined ? {} : { functionCalling }),
        })
        .then(
          (outcome) => {
            parts.push({
              type: 'finish',
              finishReason: mapLocalStopReason(outcome.stopReason),
              usage: { inputTokens: outcome.inputTokens, outputTokens: outcome.outputTokens },
            });
            parts.end();
          },
          (error: unknown) => parts.fail(error),
        );
      for (;;) {
        // An abort ends the stream at once, even with parts still queued or a token being computed.
        const next = await parts
          .next(() => signal?.aborted === true)
          .catch((error: unknown) => {
            throw toProviderError(error, signal);
          });
        throwIfAborted(signal);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }

  /** The request's tools as node-llama-cpp functions, or a 400 when this model's template has no call syntax. */
  #functionCalling(
    engine: LocalEngine,
    options: CallOptions,
    push: (part: StreamPart) => void,
  ): FunctionCallingRequest | undefined {
    if (options.tools === undefined || options.tools.length === 0) return undefined;
    if (!engine.functionCalling) {
      throw localError(
        `'tools' is not supported by the provider '${PROVIDER}' that serves the model '${this.modelId}': ` +
          `its chat template (node-llama-cpp's ${engine.chatWrapperName} wrapper) has no syntax for function calls. ` +
          'Leave it out, or use a model whose template supports tools.',
        'unsupported',
      );
    }
    const plan = planLlamaFunctions(options.tools, options.toolChoice, options.parallelToolCalls);
    if (plan.functions === undefined) return undefined;
    const deltas = new FunctionCallDeltas(push);
    return {
      functions: plan.functions,
      force: plan.forceCall,
      ...(plan.maxCalls === undefined ? {} : { maxCalls: plan.maxCalls }),
      onParamsChunk: deltas.onParamsChunk,
      onFunctionCall: deltas.onFunctionCall,
    };
  }

  /** The shared engine, or a ProviderError (`aborted` as soon as `signal` aborts, while it loads). */
  async #loadEngine(signal: AbortSignal | undefined): Promise<LocalEngine> {
    throwIfAborted(signal);
    const loading = loadLocalEngine(this.#engine);
    if (signal === undefined) return loading;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortedError());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([loading, aborted]);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }
}

function toProviderError(error: unknown, signal: AbortSignal | undefined): ProviderError {
  if (signal?.aborted === true) return abortedError();
  if (error instanceof ProviderError) return error;
  return localError(
    `the local engine failed while generating: ${messageOf(error)}`,
    'invalid-response',
    error,
  );
}
