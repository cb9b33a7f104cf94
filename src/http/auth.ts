/**
 * Authentication for every surface: `Authorization: Bearer <key>`. With no key configured at all,
 * requests act as the local principal (Parley then listens on loopback only); once a key exists,
 * a missing or bad key is a 401 in the surface's own shape (before that, a key sent is ignored).
 * Liveness, readiness and metrics stay open for probes and scrapers, and the API reference for people.
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type KeyService, LOCAL_PRINCIPAL, type Principal } from '../access/keys.ts';
import { ParleyError } from '../errors.ts';
import { sendSurfaceError } from './surface-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

const OPEN_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

export function registerAuth(app: FastifyInstance, keys: KeyService): void {
  // Fastify wants reference-typed decorations initialised per request: null here, set just below.
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request, reply) => {
    request.principal = LOCAL_PRINCIPAL;
    const path = request.url.split('?', 1)[0] ?? '';
    if (OPEN_PATHS.has(path) || path.startsWith('/docs/')) return;
    // Without keys every request is the local principal, whatever it sends (SDKs always send a key).
    if (!(await keys.authRequired())) return;
    const token = bearerToken(request);
    if (token === undefined) {
      return sendSurfaceError(
        request,
        reply,
        new ParleyError('UNAUTHORIZED', 'an API key is required: send it as "Authorization: Bearer <key>"'),
      );
    }
    const principal = token === '' ? undefined : await keys.authenticate(token);
    if (principal === undefined) {
      return sendSurfaceError(
        request,
        reply,
        new ParleyError('UNAUTHORIZED', 'the API key is invalid, expired or revoked'),
      );
    }
    request.principal = principal;
  });
}
