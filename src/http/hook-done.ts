/** Ending a callback-style Fastify hook whose work turned out to need a promise. */

import type { HookHandlerDoneFunction } from 'fastify';

/**
 * Calls `done` when `proceed` resolves true; when it resolves false the hook has sent its own
 * answer (a 401, a 429), and `done` must not be called. A rejection goes to `done` as the error.
 */
export function doneWhen(proceed: Promise<boolean>, done: HookHandlerDoneFunction): void {
  proceed.then((go) => {
    if (go) done();
  }, done);
}
