/**
 * OpenAI's error shape for the `/v1` surface: `{"error": {"message", "type", "param", "code"}}`
 * with the real status, so the official SDKs raise their matching error classes.
 */

import type { FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../errors.ts';
import { type ClientError, toClientError } from '../client-error.ts';

export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

interface ValidationIssue {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly params?: { readonly additionalProperty?: string };
}

/** The parameter a schema failure is about, e.g. `input[0].role`, and a message naming it. */
function describeValidation(error: unknown): { param: string; message: string } | undefined {
  const validation = (error as { validation?: readonly ValidationIssue[] }).validation;
  const issue = validation?.[0];
  if (issue === undefined) return undefined;
  const path = (issue.instancePath ?? '')
    .split('/')
    .filter((part) => part !== '')
    .reduce(
      (joined, part) =>
        /^\d+$/.test(part) ? `${joined}[${part}]` : joined === '' ? part : `${joined}.${part}`,
      '',
    );
  if (issue.keyword === 'additionalProperties' && issue.params?.additionalProperty !== undefined) {
    const param =
      path === '' ? issue.params.additionalProperty : `${path}.${issue.params.additionalProperty}`;
    return {
      param,
      message: `Unsupported parameter: '${param}'. Parley does not support it on this endpoint.`,
    };
  }
  const text = error instanceof Error ? error.message : 'invalid request';
  return { param: path, message: `Invalid value for '${path === '' ? 'body' : path}': ${text}` };
}

export function toOpenAIError(error: unknown): { clientError: ClientError; body: OpenAIErrorBody } {
  const clientError = toClientError(error);
  const validation = describeValidation(error);
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
  if (clientError.status >= 500) request.log.error({ err: error }, '/v1 request failed');
  if (clientError.retryAfterSeconds !== undefined) reply.header('retry-after', clientError.retryAfterSeconds);
  return reply.code(clientError.status).send(body);
}

/** A 404 in the shape the SDKs expect, naming what was not found. */
export const notFoundError = (what: string, id: string) => notFound(`No ${what} found with id '${id}'.`);
