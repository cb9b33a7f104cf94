/**
 * The `local` provider's definition: a GGUF model run in process by the embedded llama.cpp engine.
 * `PARLEY_LOCAL_MODEL` (a file, or an `hf:` URI) sets it up; it serves the model file's name
 * without `.gguf` and `local/<anything>` (one file, whatever name reached it), and every name when
 * it is the first provider set up. The engines it loaded are released when the server closes.
 */

import type { ModelTarget, ProviderDefinition } from '../provider-definition.ts';
import { TEXT_ONLY } from '../spec.ts';
import { LocalChatModel } from './local-chat-model.ts';
import { disposeLocalEngines, type LocalGpu } from './local-engine.ts';
import { PROVIDER } from './local-error.ts';
import { defaultModelId } from './resolve-model-path.ts';

const GPUS = ['cpu', 'auto', 'cuda', 'vulkan', 'metal'] as const;
/** Where `hf:` models are fetched to and found again when `PARLEY_MODELS_DIR` is unset. */
export const DEFAULT_MODELS_DIR = './data/models';
const toLocalGpu = (value: (typeof GPUS)[number]): LocalGpu => (value === 'cpu' ? false : value);

export const local: ProviderDefinition = {
  name: PROVIDER,
  prefix: PROVIDER,
  takesEveryName: true,
  setupHint: 'PARLEY_LOCAL_MODEL (and PARLEY_DEFAULT_MODEL)',
  needsKey: false,
  keepsUpstreamThreads: false,
  capabilities: { ...TEXT_ONLY, tools: true },
  contextWindows: [],
  configure(reader) {
    const modelPath = reader.string('PARLEY_LOCAL_MODEL');
    // The engine's settings, for this model and for `local` deployments of the config file.
    const cacheDir = reader.string('PARLEY_MODELS_DIR') ?? DEFAULT_MODELS_DIR;
    const gpu = toLocalGpu(reader.oneOf('PARLEY_LOCAL_GPU', GPUS, 'cpu'));
    const threads = reader.optionalInteger('PARLEY_LOCAL_THREADS', 1, 1024);
    const createModel = (target: ModelTarget) =>
      new LocalChatModel({
        modelPath: target.model,
        cacheDir,
        gpu,
        ...(threads === undefined ? {} : { threads }),
      });
    if (modelPath === undefined) return { createModel };
    const name = defaultModelId(modelPath);
    return {
      createModel,
      environment: {
        defaultModel: name,
        claims: (modelName) => modelName === name,
        // One file, whatever name reached it.
        createModel: () => createModel({ model: modelPath }),
        // Loaded at start rather than by the first request (an `hf:` model is fetched once, with progress).
        warmUp: () => createModel({ model: modelPath }).load(),
      },
    };
  },
  shutdown: disposeLocalEngines,
};
