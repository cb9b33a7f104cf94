/**
 * Who is asking. Until API keys exist every request acts as one fixed local principal; every store
 * query already filters by it, so keys only change where the owner comes from.
 */

import type { FastifyRequest } from 'fastify';

export const LOCAL_OWNER = 'local';

export function ownerOf(_request: FastifyRequest): string {
  return LOCAL_OWNER;
}
