/**
 * What keeps a request's limits (its stream slot) held after its response closed: a run started by
 * the request goes on without its client and must still count against its key until it ends.
 */

import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The ends of the runs this request started (set by `holdLimitsUntil`). */
    limitHolds: Promise<unknown>[] | null;
  }
}

/**
 * Keeps the request's share of the limits (its stream slot) until `end` settles, even when the
 * response closes first: a run that goes on without its client still counts against its key.
 * Call it as soon as the run starts, before anything is sent.
 */
export function holdLimitsUntil(request: FastifyRequest, end: Promise<unknown>): void {
  request.limitHolds ??= [];
  request.limitHolds.push(end);
}

/** Settles once everything holding the request's limits has ended. */
export const heldBy = (request: FastifyRequest): Promise<unknown> =>
  Promise.allSettled(request.limitHolds ?? []);
