/**
 * Turns the configured model into a GGUF file on disk: a path is checked where it is; an `hf:` URI
 * (or an https URL) is looked up in the cache directory and, when missing, fetched there once with
 * a progress bar. Offline, a cached file is still found, and a missing one fails at once with
 * advice instead of waiting on node-llama-cpp's downloader, which retries an unreachable host for
 * minutes.
 */

import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ProviderError } from '../spec.ts';
import { checkGgufFile } from './check-gguf-file.ts';
import { localError, messageOf } from './local-error.ts';
import { importNodeLlamaCpp } from './node-llama-cpp-module.ts';

export interface ModelSource {
  /** A path to a `.gguf` file (`~/` is the home directory), an `hf:` URI or an https URL. */
  readonly modelPath: string;
  /** Where URIs are fetched to and looked up in. */
  readonly cacheDir: string;
  /** Draw a progress bar on the terminal while fetching. */
  readonly showProgress: boolean;
  /** Hugging Face's address, for a mirror; otherwise `HF_ENDPOINT`, `MODEL_ENDPOINT` or huggingface.co. */
  readonly huggingFaceEndpoint?: string | undefined;
  /** How long to wait for the host to answer at all. */
  readonly connectTimeoutMs?: number;
  /** How long a fetch may go without progress before it is given up. */
  readonly stallTimeoutMs?: number;
}

export const DEFAULT_HUGGING_FACE_ENDPOINT = 'https://huggingface.co/';
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_STALL_TIMEOUT_MS = 60_000;
const HUGGING_FACE_PREFIXES = ['hf:', 'huggingface:', 'hf.co/', 'huggingface.co/'];

/** Whether the configured model is fetched (a URI or URL) rather than a path. */
export function isModelUri(modelPath: string): boolean {
  return isHuggingFaceUri(modelPath) || /^https?:\/\//i.test(modelPath);
}

function isHuggingFaceUri(modelPath: string): boolean {
  return HUGGING_FACE_PREFIXES.some((prefix) => modelPath.startsWith(prefix));
}

/** A path as the user meant it: `~/` expanded, relative to the working directory. */
export function absoluteModelPath(modelPath: string): string {
  return modelPath === '~' || modelPath.startsWith('~/')
    ? join(homedir(), modelPath.slice(1))
    : resolve(modelPath);
}

/**
 * The model's default name: the file's name without `.gguf`, or the URI without its scheme.
 * @example defaultModelId('/models/qwen2.5-0.5b-instruct-q4_k_m.gguf') // 'qwen2.5-0.5b-instruct-q4_k_m'
 * @example defaultModelId('hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M') // 'Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M'
 */
export function defaultModelId(modelPath: string): string {
  const prefix = HUGGING_FACE_PREFIXES.find((candidate) => modelPath.startsWith(candidate));
  if (prefix !== undefined) return modelPath.slice(prefix.length).replace(/^\/\//, '');
  const name = isModelUri(modelPath) ? basename(new URL(modelPath).pathname) : basename(modelPath);
  return name.replace(/\.gguf$/i, '');
}

/** The GGUF file to load, checked to be one. Throws a ProviderError that says what to do. */
export async function resolveModelPath(source: ModelSource): Promise<string> {
  if (!isModelUri(source.modelPath)) {
    const path = absoluteModelPath(source.modelPath);
    await checkGgufFile(path);
    return path;
  }
  const { resolveModelFile } = await importNodeLlamaCpp();
  const uri = source.modelPath;
  const endpoints =
    source.huggingFaceEndpoint === undefined
      ? {}
      : { endpoints: { huggingFace: source.huggingFaceEndpoint } };
  const cached = await resolveModelFile(uri, {
    directory: source.cacheDir,
    download: false,
    cli: false,
    ...endpoints,
  }).catch(() => undefined);
  if (cached !== undefined) {
    await checkGgufFile(cached);
    return cached;
  }

  const host = isHuggingFaceUri(uri) ? huggingFaceEndpoint(source) : new URL(uri).origin;
  await checkReachable(host, uri, source);
  let lastActivity = Date.now();
  const stallTimeoutMs = source.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const path = await withStallGuard(
    (signal) =>
      resolveModelFile(uri, {
        directory: source.cacheDir,
        cli: source.showProgress,
        signal,
        // A fetch that stops (stalled, or the process ended) keeps its partial file: the next
        // attempt resumes from it instead of starting over.
        deleteTempFileOnCancel: false,
        onProgress: () => {
          lastActivity = Date.now();
        },
        ...endpoints,
      }),
    () => Date.now() - lastActivity >= stallTimeoutMs,
    () =>
      localError(
        `fetching the local model ${uri} made no progress for ${Math.round(stallTimeoutMs / 1000)} s; ` +
          `retry later, or put the .gguf file in ${source.cacheDir} or set a file path instead`,
        'timeout',
      ),
  ).catch((error: unknown) => {
    if (error instanceof ProviderError) throw error;
    throw localError(`could not fetch the local model ${uri}: ${messageOf(error)}`, 'network', error);
  });
  await checkGgufFile(path);
  return path;
}

function huggingFaceEndpoint(source: ModelSource): string {
  return (
    source.huggingFaceEndpoint ??
    process.env.HF_ENDPOINT ??
    process.env.MODEL_ENDPOINT ??
    DEFAULT_HUGGING_FACE_ENDPOINT
  );
}

/** Fails fast, with advice, when the host does not answer at all (an offline machine). */
async function checkReachable(host: string, uri: string, source: ModelSource): Promise<void> {
  try {
    const response = await fetch(host, {
      method: 'HEAD',
      signal: AbortSignal.timeout(source.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    });
    await response.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const reason = typeof cause?.code === 'string' ? cause.code : messageOf(error);
    throw localError(
      `cannot fetch the local model ${uri}: ${host} is unreachable (${reason}); ` +
        (isHuggingFaceUri(uri) ? 'set HF_ENDPOINT to a Hugging Face mirror, or ' : '') +
        `put the .gguf file in ${source.cacheDir} or set a file path instead`,
      'network',
      error,
    );
  }
}

/** Runs `task`, giving it up (and aborting its signal) once `stalled()` turns true. */
async function withStallGuard<T>(
  task: (signal: AbortSignal) => Promise<T>,
  stalled: () => boolean,
  stallError: () => ProviderError,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (!stalled()) return;
      controller.abort();
      reject(stallError());
    }, 1_000);
  });
  const running = task(controller.signal);
  // The task may still fail after the guard gave up on it: that failure has no one to tell.
  running.catch(() => {});
  try {
    return await Promise.race([running, guard]);
  } finally {
    clearInterval(timer);
  }
}

/** Where URIs are fetched to when no cache directory is configured. */
export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'parley', 'models');
}
