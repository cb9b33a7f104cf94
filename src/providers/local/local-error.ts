/** The `local` provider's name and the errors it throws. */

import { ProviderError, type ProviderErrorKind } from '../spec.ts';

export const PROVIDER = 'local';

/** A failure of the local engine or its model file (by default: it cannot serve); the message names what to fix. */
export function localError(message: string, kind: ProviderErrorKind = 'unavailable', cause?: unknown) {
  return new ProviderError(message, { kind, provider: PROVIDER, ...(cause === undefined ? {} : { cause }) });
}

export function abortedError(): ProviderError {
  return new ProviderError('the request was aborted', { kind: 'aborted', provider: PROVIDER });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortedError();
}

/** The message of anything thrown, for wrapping it in a clearer one. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
