/**
 * What keeps a request's limits (its stream slot) held after its response closed: its handler,
 * while it runs, and a run started by the request, which goes on without its client and must still
 * count against its key until it ends.
 */

import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** What holds the request's limits: its handler while it runs, the ends of the runs it started. */
    limitHolds: Promise<unknown>[] | null;
    /** Ends the hold of the request's handler (set by `holdWhileHandled`). */
    handlerDone: (() => void) | null;
  }
}

/**
 * Keeps the request's share of the limits (its stream slot) until `end` settles, even when the
 * response closes first: a run that goes on without its client still counts against its key.
 * Call it as soon as the run starts, before the handler returns.
 */
export function holdLimitsUntil(request: FastifyRequest, end: Promise<unknown>): void {
  request.limitHolds ??= [];
  request.limitHolds.push(end);
}

/**
 * Holds the request's limits until its handler returns (`handlerDone`): a client that leaves
 * after admission but before its run starts (while the conversation is read and the question
 * written) must not free its slot for the run about to start without it.
 */
export function holdWhileHandled(request: FastifyRequest): void {
  holdLimitsUntil(
    request,
    new Promise<void>((resolve) => {
      request.handlerDone = resolve;
    }),
  );
}

/**
 * Settles once everything holding the request's limits has ended, holds added meanwhile included
 * (a run starts while the handler's own hold is still pending).
 */
export async function heldBy(request: FastifyRequest): Promise<void> {
  for (let awaited = 0; awaited < (request.limitHolds?.length ?? 0); ) {
    const holds = request.limitHolds ?? [];
    const pending = holds.slice(awaited);
    awaited = holds.length;
    await Promise.allSettled(pending);
  }
}
