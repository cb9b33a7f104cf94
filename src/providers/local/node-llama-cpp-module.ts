/**
 * Loads node-llama-cpp on first use, so the rest of the server neither pays for it at start nor
 * breaks when it is missing: only a request for a local model then fails, with advice.
 */

import { localError, messageOf } from './local-error.ts';

export type NodeLlamaCpp = typeof import('node-llama-cpp');

let loading: Promise<NodeLlamaCpp> | undefined;

export function importNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  loading ??= import('node-llama-cpp').catch((error: unknown) => {
    loading = undefined;
    throw localError(
      `the local engine (the npm package node-llama-cpp) could not be loaded; run npm ci: ${messageOf(error)}`,
      'unavailable',
      error,
    );
  });
  return loading;
}
