/**
 * The `local` provider: a GGUF model run in process by llama.cpp (through node-llama-cpp), so a
 * machine with no API key still chats. The prompt goes through the model's own chat template; the
 * answer streams token by token. The engine itself (see local-engine.ts) is loaded on first use
 * and shared, so making a `LocalChatModel` is cheap.
 */

import { PartQueue } from '../shared/part-queue.ts';
import type { CallOptions, ChatModel, GenerateResult, PromptMessage, StreamPart } from '../spec.ts';
import { ProviderError, TEXT_ONLY } from '../spec.ts';
import { convertToLlamaChatHistory } from './convert-to-llama-chat-history.ts';
import { type EngineSettings, type LocalEngine, type LocalGpu, loadLocalEngine } from './local-engine.ts';
import { abortedError, localError, messageOf, PROVIDER, throwIfAborted } from './local-error.ts';
import { mapLocalStopReason } from './map-local-stop-reason.ts';
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
  readonly capabilities = TEXT_ONLY;
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
   * Loads the engine now (fetching the model first if it is a URI) instead of on the first request,
   * e.g. at start. Throws the ProviderError a request would get.
   */
  async load(signal?: AbortSignal): Promise<void> {
    await this.#loadEngine(signal);
  }

  /** The prompt as the model sees it after its chat template, special tokens included. */
  async renderPrompt(prompt: readonly PromptMessage[], signal?: AbortSignal): Promise<string> {
    return (await this.#loadEngine(signal)).renderPrompt(convertToLlamaChatHistory(prompt));
  }

  async doGenerate(prompt: readonly PromptMessage[], options: CallOptions): Promise<GenerateResult> {
    let text = '';
    for await (const part of this.doStream(prompt, options)) {
      if (part.type === 'text-delta') text += part.delta;
      else if (part.type === 'finish') {
        return {
          text,
          finishReason: part.finishReason,
          ...(part.usage === undefined ? {} : { usage: part.usage }),
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
      engine
        .generate({
          history: convertToLlamaChatHistory(prompt),
          maxTokens: options.maxOutputTokens,
          temperature: options.temperature,
          topP: options.topP,
          stop: options.stop,
          signal: stop.signal,
          onText: (delta) => parts.push({ type: 'text-delta', delta }),
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
