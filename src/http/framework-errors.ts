/**
 * Fastify's own refusals before routing (a path segment over 100 characters, a malformed URL),
 * answered in the shape of the surface the URL belongs to, and without echoing the URL.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../errors.ts';
import { sendSurfaceError } from './surface-errors.ts';

/** Fastify's `frameworkErrors` option. */
export function answerFrameworkError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  const code = (error as { code?: unknown }).code;
  sendSurfaceError(
    request,
    reply,
    code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? notFound('not found: no id is longer than 100 characters')
      : badRequest('the URL is malformed'),
  );
}
