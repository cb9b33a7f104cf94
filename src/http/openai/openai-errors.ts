/**
 * OpenAI's error shape for the `/v1` surface: `{"error": {"message", "type", "param", "code"}}`
 * with the real status, so the official SDKs raise their matching error classes.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../errors.ts';
import { type ClientError, toClientError } from '../client-error.ts';
import { describeValidation, type ValidationIssue } from './validation-message.ts';
import { logFailure } from '../log-failure.ts';

export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

export function toOpenAIError(error: unknown): { clientError: ClientError; body: OpenAIErrorBody } {
  const clientError = toClientError(error);
  const validation = describeValidation((error as { validation?: readonly ValidationIssue[] }).validation);
  const param = validation?.param ?? (error as { param?: unknown }).param;
  return {
    clientError,
    body: {
      error: {
        message: validation?.message ?? clientError.message,
        type: clientError.type,
        param: typeof param === 'string' && param !== '' ? param : null,
        code: clientError.code.toLowerCase(),
      },
    },
  };
}

export function sendOpenAIError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const { clientError, body } = toOpenAIError(error);
  logFailure(request, error, clientError, '/v1 request failed');
  if (clientError.retryAfterSeconds !== undefined) reply.header('retry-after', clientError.retryAfterSeconds);
  return reply.code(clientError.status).send(body);
}

/** A 404 in the shape the SDKs expect, naming what was not found. */
export const notFoundError = (what: string, id: string) => notFound(`No ${what} found with id '${id}'.`);
