/**
 * What the API reference says about a route beyond its request schema: a summary, what it does to
 * the conversation tree, its answers per status (schemas and examples) and, for a streaming route,
 * its events. Each surface keeps its routes' docs in a file of its own (`<surface>-docs.ts`);
 * `ops/openapi.ts` puts them in the OpenAPI document.
 *
 * Response schemas here are documentation only: they are not given to Fastify, whose response
 * schemas are also serializers (a schema that missed a field would strip it from real answers).
 * `test/openapi.test.ts` checks them against real answers instead, so they cannot drift unseen.
 */

import { type TSchema, Type } from 'typebox';
import type { ErrorCode } from '../errors.ts';

/** One answer of a route: a status's description, body schema and example. */
export interface ResponseDoc {
  readonly description: string;
  /** JSON Schema of the body (`application/json` unless `contentType` says otherwise). */
  readonly schema?: TSchema;
  readonly contentType?: string;
  /** An example body; it must validate against `schema` (a test checks it). */
  readonly example?: unknown;
  /** Response headers worth knowing (e.g. `retry-after`). */
  readonly headers?: Readonly<Record<string, { readonly description: string }>>;
}

/** The events of a streaming route: the `text/event-stream` alternative of its 200 answer. */
export interface StreamDoc {
  /** Event names, payloads, order, how the stream ends and how to resume it. */
  readonly description: string;
  /** JSON Schema of one event's `data`. */
  readonly schema: TSchema;
  /** A whole stream as it goes over the wire. */
  readonly example: string;
  /** Examples of single events' `data`, each valid against `schema`. */
  readonly eventExamples: readonly unknown[];
}

export interface RouteDoc {
  readonly summary: string;
  /** What the route does (to the conversation tree, where it touches it). */
  readonly description: string;
  /** Request body examples by name; each must validate against the route's body schema. */
  readonly requestExamples?: Readonly<Record<string, unknown>>;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  readonly stream?: StreamDoc;
}

/** Docs by route, keyed `METHOD /full/path/:param` as Fastify registers it (e.g. `GET /api/search`). */
export type RouteDocs = Readonly<Record<string, RouteDoc>>;

/** What each error status means, whatever the surface's shape, and the error code of an example. */
const ERRORS: Readonly<
  Record<number, { readonly meaning: string; readonly code: ErrorCode; readonly message: string }>
> = {
  400: {
    meaning: 'The request is invalid: a malformed body, a wrong type, an unknown field or model.',
    code: 'BAD_REQUEST',
    message: 'invalid request: body must be object',
  },
  401: {
    meaning: 'No API key, or a wrong one (needed once keys exist; see the security scheme).',
    code: 'UNAUTHORIZED',
    message: 'a valid API key is required: send Authorization: Bearer <key>',
  },
  403: {
    meaning: 'The key may not do this (an admin key is needed, or the model is not allowed to it).',
    code: 'FORBIDDEN',
    message: 'this needs an admin key',
  },
  404: {
    meaning: 'Not found: an unknown id, or one that belongs to another owner.',
    code: 'NOT_FOUND',
    message: 'conversation 0b5e6a5c-3f0e-4a4e-9f57-2f1c2d6c8a11 not found',
  },
  409: {
    meaning: 'The conversation tree changed under the request (e.g. the answer is being continued already).',
    code: 'CONFLICT',
    message: 'this answer is being written already',
  },
  413: {
    meaning: 'The body is larger than the limit (PARLEY_BODY_LIMIT_BYTES).',
    code: 'PAYLOAD_TOO_LARGE',
    message: 'Request body is too large',
  },
  415: {
    meaning: 'The body is not JSON (`content-type: application/json` is required).',
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported Media Type: application/x-www-form-urlencoded',
  },
  429: {
    meaning: "A limit of the key was reached (or the upstream's): wait `retry-after` seconds.",
    code: 'RATE_LIMITED',
    message: 'rate limit reached: 60 requests per minute',
  },
  500: {
    meaning: 'An unexpected failure; the message says nothing of the internals.',
    code: 'INTERNAL',
    message: 'internal server error',
  },
  502: {
    meaning: 'The upstream model failed or answered something Parley could not read.',
    code: 'UPSTREAM_ERROR',
    message: 'upstream returned 500: server error',
  },
  503: {
    meaning:
      'No provider is configured (the message says what to set), the upstream is unavailable, or the server is shutting down.',
    code: 'NO_PROVIDER',
    message: 'no model provider is configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for other servers)',
  },
  504: {
    meaning: 'The upstream did not answer in time.',
    code: 'UPSTREAM_TIMEOUT',
    message: 'the upstream did not answer in time',
  },
};

/** Statuses every route may answer: authentication, limits, the unexpected. */
export const ALWAYS = [401, 429, 500] as const;
/** Statuses of a route with a JSON body. */
export const WITH_BODY = [400, 413, 415] as const;
/** Statuses of a route that calls a model. */
export const GENERATING = [502, 503, 504] as const;

/** How a surface shapes an error body. */
export interface ErrorShape {
  /** The surface's error schema, defined once (it becomes a shared component of the document). */
  readonly schema: TSchema;
  readonly render: (code: ErrorCode, message: string) => unknown;
}

/** The error answers of `statuses` (and `ALWAYS`) in a surface's shape, each with an example. */
export function errorResponses(shape: ErrorShape, statuses: readonly number[]): Record<number, ResponseDoc> {
  const responses: Record<number, ResponseDoc> = {};
  for (const status of [...new Set([...statuses, ...ALWAYS])].sort()) {
    const error = ERRORS[status];
    if (error === undefined) throw new Error(`no error meaning for status ${status}`);
    responses[status] = {
      description: error.meaning,
      schema: shape.schema,
      example: shape.render(error.code, error.message),
      ...(status === 429 || status === 503
        ? { headers: { 'retry-after': { description: 'Seconds to wait before trying again, when known.' } } }
        : {}),
    };
  }
  return responses;
}

/** `schema`, or null. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A cursor page as OpenAI shapes it (the native API copies it): `{object: "list", data, first_id, ...}`. */
export const CursorList = <T extends TSchema>(item: T) =>
  Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    first_id: Nullable(Type.String()),
    last_id: Nullable(Type.String()),
    has_more: Type.Boolean(),
  });
