/** Who is asking: the principal the auth hook set (the local one when no key is configured). */

import type { FastifyRequest } from 'fastify';

export function ownerOf(request: FastifyRequest): string {
  return request.principal.owner;
}
