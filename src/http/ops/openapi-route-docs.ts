/**
 * Puts the surfaces' route docs (`<surface>-docs.ts`) into the OpenAPI document that
 * `@fastify/swagger` built from the routes' own request schemas: summaries, descriptions, request
 * examples, answers per status, and the `text/event-stream` alternative of streaming routes. The
 * surfaces' error schemas become shared components, referenced by every error answer.
 */

import type { TSchema } from 'typebox';
import type { ResponseDoc, RouteDoc, RouteDocs } from '../route-docs.ts';

interface MediaObject {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

interface Operation {
  summary?: string;
  description?: string;
  requestBody?: { content?: Record<string, MediaObject> };
  responses?: Record<string, unknown>;
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> } & Record<string, unknown>;
}

/** Fastify's `/api/conversations/:id` is OpenAPI's `/api/conversations/{id}`. */
export const toOpenApiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}');

/** The operation a docs key (`METHOD /path/:param`) names, if the document has it. */
export function operationOf(document: OpenApiDocument, key: string): Operation | undefined {
  const [method = '', url = ''] = key.split(' ', 2);
  return document.paths?.[toOpenApiPath(url)]?.[method.toLowerCase()];
}

/**
 * Applies `docs` to `document` (in place, and returns it). `shared` names schemas that go in
 * `components.schemas` once and are referenced wherever they are used.
 */
export function applyRouteDocs(
  document: OpenApiDocument,
  docs: RouteDocs,
  shared: Readonly<Record<string, TSchema>>,
): OpenApiDocument {
  const names = new Map<TSchema, string>(Object.entries(shared).map(([name, schema]) => [schema, name]));
  const reference = (schema: TSchema) => {
    const name = names.get(schema);
    return name === undefined ? schema : { $ref: `#/components/schemas/${name}` };
  };
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...shared },
  };
  for (const [key, doc] of Object.entries(docs)) {
    const operation = operationOf(document, key);
    if (operation === undefined) continue;
    describe(operation, doc, reference);
  }
  return document;
}

function describe(operation: Operation, doc: RouteDoc, reference: (schema: TSchema) => unknown): void {
  operation.summary = doc.summary;
  operation.description =
    doc.stream === undefined
      ? doc.description
      : `${doc.description}\n\n**Streaming.** ${doc.stream.description}`;
  const json = operation.requestBody?.content?.['application/json'];
  if (json !== undefined && doc.requestExamples !== undefined) {
    delete json.example;
    json.examples = Object.fromEntries(
      Object.entries(doc.requestExamples).map(([name, value]) => [name, { value }]),
    );
  }
  // Answers a route's own response schema describes (it serializes them too) stay, unless the docs
  // say more; @fastify/swagger's placeholder for a route without any ("Default Response") goes.
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const generated = response as { description?: string; content?: unknown };
    if (generated.content === undefined) continue;
    responses[status] =
      generated.description === 'Default Response' ? { ...generated, description: 'Success.' } : generated;
  }
  for (const [status, response] of Object.entries(doc.responses)) {
    const rendered = renderResponse(response, reference);
    if (status === '200' && doc.stream !== undefined) {
      rendered.content = {
        ...rendered.content,
        'text/event-stream': { schema: doc.stream.schema, example: doc.stream.example },
      };
    }
    responses[status] = rendered;
  }
  operation.responses = responses;
}

function renderResponse(
  response: ResponseDoc,
  reference: (schema: TSchema) => unknown,
): { description: string; headers?: unknown; content?: Record<string, MediaObject> } {
  const headers =
    response.headers === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(response.headers).map(([name, header]) => [
            name,
            { description: header.description, schema: { type: 'integer' } },
          ]),
        );
  return {
    description: response.description,
    ...(headers === undefined ? {} : { headers }),
    ...(response.schema === undefined
      ? {}
      : {
          content: {
            [response.contentType ?? 'application/json']: {
              schema: reference(response.schema),
              ...(response.example === undefined ? {} : { example: response.example }),
            },
          },
        }),
  };
}
