/**
 * The embedded llama.cpp engine behind the `local` provider: the llama.cpp binding (one per GPU
 * choice) and each model with its context, loaded lazily once per process and shared by every
 * `LocalChatModel` that names the same model and settings.
 *
 * Concurrency: one context holds `parallelSequences` sequences (separate KV caches that llama.cpp
 * evaluates in the same batches). Each request leases a sequence of its own for its whole
 * generation, so concurrent requests never see each other's tokens; when every sequence is busy,
 * requests wait in arrival order (and stop waiting when their signal aborts). A sequence keeps its
 * tokens after a request, so a later request with the same beginning (the next turn of a
 * conversation) reuses that part instead of evaluating it again.
 */

import type {
  ChatHistoryItem,
  ChatModelFunctions,
  ChatWrapper,
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaModel,
} from 'node-llama-cpp';
import { localError, messageOf } from './local-error.ts';
import type { LocalStopReason } from './map-local-stop-reason.ts';
import { importNodeLlamaCpp, type NodeLlamaCpp } from './node-llama-cpp-module.ts';
import { resolveModelPath } from './resolve-model-path.ts';
import { SequencePool } from './sequence-pool.ts';

/** node-llama-cpp's GPU choices; `false` is the CPU. */
export type LocalGpu = 'auto' | 'cuda' | 'vulkan' | 'metal' | false;

/** Everything that decides which engine serves a model; equal settings share one engine. */
export interface EngineSettings {
  readonly modelPath: string;
  readonly cacheDir: string;
  readonly gpu: LocalGpu;
  readonly contextSize: number | undefined;
  readonly threads: number | undefined;
  readonly parallelSequences: number;
  readonly showDownloadProgress: boolean;
  readonly huggingFaceEndpoint: string | undefined;
}

/** The context size when none is set: at most this, less when the model or the memory allows less. */
export const DEFAULT_CONTEXT_SIZE = 4096;
/** llama.cpp's own default; node-llama-cpp's (0, greedy) would make every answer the same. */
export const DEFAULT_TEMPERATURE = 0.8;

export interface GenerationRequest {
  readonly history: ChatHistoryItem[];
  readonly maxTokens: number | undefined;
  readonly temperature: number | undefined;
  readonly topP: number | undefined;
  readonly stop: readonly string[] | undefined;
  readonly signal: AbortSignal;
  /** Called with each piece of text as the model writes it. */
  readonly onText: (text: string) => void;
  /** Functions the model may call, with callbacks as it writes each call; absent: text only. */
  readonly functionCalling?: FunctionCallingRequest;
}

export interface FunctionCallingRequest {
  readonly functions: ChatModelFunctions;
  /** The answer starts with a call, instead of the model choosing between text and a call. */
  readonly force: boolean;
  /** At most this many calls in the answer; absent: as many as the template allows. */
  readonly maxCalls?: number;
  readonly onParamsChunk: (chunk: { callIndex: number; functionName: string; paramsChunk: string }) => void;
  readonly onFunctionCall: (call: { functionName: string; params: unknown }) => void;
}

export interface GenerationOutcome {
  /** `functionCalls` when the model stopped to have its calls run. */
  readonly stopReason: LocalStopReason;
  /** The prompt's tokens, as the chat template renders it. */
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export class LocalEngine {
  /** The GGUF file it runs. */
  readonly modelFile: string;
  readonly #module: NodeLlamaCpp;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;
  readonly #chatWrapper: ChatWrapper;
  readonly #pool: SequencePool<LlamaContextSequence>;

  constructor(module: NodeLlamaCpp, modelFile: string, model: LlamaModel, context: LlamaContext) {
    this.#module = module;
    this.modelFile = modelFile;
    this.#model = model;
    this.#context = context;
    // From the GGUF's `tokenizer.chat_template` (a built-in wrapper when it is one node-llama-cpp
    // knows, the Jinja template itself otherwise): resolved once, it is the slow part of a LlamaChat.
    this.#chatWrapper = module.resolveChatWrapper(model);
    this.#pool = new SequencePool(context.totalSequences, () => context.getSequence());
  }

  /** Tokens one sequence holds. */
  get contextSize(): number {
    return this.#context.contextSize;
  }

  /** The name of the chat wrapper that renders prompts, e.g. `ChatML` or `JinjaTemplate`. */
  get chatWrapperName(): string {
    return this.#chatWrapper.wrapperName;
  }

  /**
   * True when the model's chat template has a syntax for function calls: node-llama-cpp has one
   * made for its family (Qwen, Llama 3.1, Mistral, ...) or read one from its Jinja template. A
   * wrapper without one falls back to node-llama-cpp's generic `||call:` syntax, which the model
   * was never trained on, so such a model is not offered tools.
   */
  get functionCalling(): boolean {
    return this.#chatWrapper.settings.functions !== this.#module.ChatWrapper.defaultSettings.functions;
  }

  /** Requests waiting for a free sequence. */
  get waiting(): number {
    return this.#pool.waiting;
  }

  /** The prompt as the model sees it, special tokens included. */
  renderPrompt(history: ChatHistoryItem[], functions?: ChatModelFunctions): string {
    return this.#render(history, functions).toString();
  }

  /** The prompt's tokens, the offered functions' documentation included. */
  countPromptTokens(history: ChatHistoryItem[], functions?: ChatModelFunctions): number {
    return this.#render(history, functions).tokenize(this.#model.tokenizer).length;
  }

  #render(history: ChatHistoryItem[], functions: ChatModelFunctions | undefined) {
    return this.#chatWrapper.generateContextState({
      chatHistory: history,
      ...(functions === undefined ? {} : { availableFunctions: functions, documentFunctionParams: true }),
    }).contextText;
  }

  /** Generates the history's last model response; rejects with the signal's reason when it aborts. */
  async generate(request: GenerationRequest): Promise<GenerationOutcome> {
    const lease = await this.#pool.acquire(request.signal);
    try {
      const calling = request.functionCalling;
      const chat = new this.#module.LlamaChat({
        contextSequence: lease.item,
        chatWrapper: calling?.force === true ? this.#forcingFunctionCall() : this.#chatWrapper,
      });
      try {
        const inputTokens = this.countPromptTokens(request.history, calling?.functions);
        let outputTokens = 0;
        const result = await chat.generateResponse(request.history, {
          signal: request.signal,
          // Without a limit, a model that never ends its turn would write on forever (the context shifts).
          maxTokens: request.maxTokens ?? lease.item.contextSize,
          temperature: request.temperature ?? DEFAULT_TEMPERATURE,
          ...(request.topP === undefined ? {} : { topP: request.topP }),
          ...(request.stop === undefined || request.stop.length === 0
            ? {}
            : { customStopTriggers: request.stop }),
          onTextChunk: (text) => {
            if (text !== '') request.onText(text);
          },
          onToken: (tokens) => {
            outputTokens += tokens.length;
          },
          ...(calling === undefined
            ? {}
            : {
                functions: calling.functions,
                documentFunctionParams: true,
                ...(calling.maxCalls === undefined ? {} : { maxParallelFunctionCalls: calling.maxCalls }),
                onFunctionCallParamsChunk: calling.onParamsChunk,
                onFunctionCall: calling.onFunctionCall,
              }),
        });
        // `onToken` reports text only: a call's tokens are counted from the call as written.
        for (const call of result.functionCalls ?? []) {
          outputTokens += this.#module.LlamaText.fromJSON(call.raw).tokenize(this.#model.tokenizer).length;
        }
        return { stopReason: result.metadata.stopReason, inputTokens, outputTokens };
      } finally {
        chat.dispose({ disposeSequence: false });
      }
    } finally {
      lease.release();
    }
  }

  /**
   * The chat wrapper, but the model's answer opens with the template's call syntax, so its first
   * words are a function's name (node-llama-cpp's grammar then holds it to the offered names and
   * its arguments to their schema). node-llama-cpp has no option for this; a context state whose
   * `noPrefixTrigger` is a function call is its own way to enter function calling at once.
   */
  #forcingFunctionCall(): ChatWrapper {
    const wrapper = this.#chatWrapper;
    const { call, parallelism } = wrapper.settings.functions;
    const inject = this.#module.LlamaText([parallelism?.call.sectionPrefix ?? '', call.prefix]);
    const forcing: ChatWrapper = Object.create(wrapper);
    forcing.generateContextState = (options) => {
      const state = wrapper.generateContextState.call(forcing, options);
      return {
        contextText: state.contextText,
        stopGenerationTriggers: state.stopGenerationTriggers,
        ...(state.rerender === undefined ? {} : { rerender: state.rerender }),
        noPrefixTrigger: { type: 'functionCall', inject },
      };
    };
    return forcing;
  }

  async dispose(): Promise<void> {
    await this.#context.dispose();
    await this.#model.dispose();
  }
}

const engines = new Map<string, Promise<LocalEngine>>();
/** The engines that have finished loading, by the same key. */
const loadedEngines = new Map<string, LocalEngine>();
const llamas = new Map<string, Promise<Llama>>();

/**
 * The engine for these settings, loading it on first use. A load that fails is forgotten, so a
 * later request tries again (after the file was fixed, or the network came back).
 */
export function loadLocalEngine(settings: EngineSettings): Promise<LocalEngine> {
  const key = JSON.stringify(settings);
  let engine = engines.get(key);
  if (engine === undefined) {
    engine = createEngine(settings);
    engines.set(key, engine);
    engine.then(
      (loaded) => {
        if (engines.get(key) === engine) loadedEngines.set(key, loaded);
      },
      () => {
        if (engines.get(key) === engine) engines.delete(key);
      },
    );
  }
  return engine;
}

/** The engine for these settings if it has finished loading (to answer without waiting). */
export function loadedLocalEngine(settings: EngineSettings): LocalEngine | undefined {
  return loadedEngines.get(JSON.stringify(settings));
}

/** Frees every engine and binding (for tests and shutdown); later requests load them again. */
export async function disposeLocalEngines(): Promise<void> {
  const loaded = [...engines.values()];
  const bindings = [...llamas.values()];
  engines.clear();
  loadedEngines.clear();
  llamas.clear();
  await Promise.allSettled(loaded.map(async (engine) => (await engine).dispose()));
  await Promise.allSettled(bindings.map(async (llama) => (await llama).dispose()));
}

async function createEngine(settings: EngineSettings): Promise<LocalEngine> {
  const module = await importNodeLlamaCpp();
  const modelFile = await resolveModelPath({
    modelPath: settings.modelPath,
    cacheDir: settings.cacheDir,
    showProgress: settings.showDownloadProgress,
    huggingFaceEndpoint: settings.huggingFaceEndpoint,
  });
  const llama = await loadLlama(module, settings.gpu);
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: modelFile });
  } catch (error) {
    throw localError(
      `could not load the local model ${modelFile}: ${messageOf(error)}`,
      'unavailable',
      error,
    );
  }
  try {
    const context = await model.createContext({
      contextSize: settings.contextSize ?? { max: DEFAULT_CONTEXT_SIZE },
      sequences: settings.parallelSequences,
      ...(settings.threads === undefined ? {} : { threads: settings.threads }),
    });
    return new LocalEngine(module, modelFile, model, context);
  } catch (error) {
    await model.dispose();
    throw localError(
      `could not make a context for the local model ${modelFile}: ${messageOf(error)}`,
      'unavailable',
      error,
    );
  }
}

function loadLlama(module: NodeLlamaCpp, gpu: LocalGpu): Promise<Llama> {
  const key = String(gpu);
  let llama = llamas.get(key);
  if (llama === undefined) {
    llama = module
      .getLlama({
        gpu,
        // Only the prebuilt binaries installed with the package: never a download or a cmake build.
        build: 'never',
        usePrebuiltBinaries: true,
        skipDownload: true,
        progressLogs: false,
        logLevel: module.LlamaLogLevel.warn,
      })
      .catch((error: unknown) => {
        llamas.delete(key);
        if (error instanceof module.NoBinaryFoundError) {
          throw localError(
            `the local engine has no llama.cpp build for gpu ${JSON.stringify(gpu)} on ` +
              `${process.platform}-${process.arch}: npm installs only the CPU build (and Metal on ` +
              'Apple silicon); see the README on GPU builds, or set the gpu option to false',
            'unavailable',
            error,
          );
        }
        throw localError(`the local engine could not start: ${messageOf(error)}`, 'unavailable', error);
      });
    llamas.set(key, llama);
  }
  return llama;
}
