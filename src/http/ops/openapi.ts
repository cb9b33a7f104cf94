/**
 * The OpenAPI document of every route (`GET /openapi.json`, built from the routes' own TypeBox
 * schemas) and a browsable reference at `/docs` (Swagger UI, served from the package: nothing is
 * fetched at run time), with a strict content security policy.
 */

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { nativeDocs } from '../native/native-docs.ts';
import { NativeError } from '../native/native-error-schema.ts';
import { OpenAIError, openaiDocs } from '../openai/openai-docs.ts';
import { SeedError, seedDocs } from '../seed/seed-docs.ts';
import { applyRouteDocs, type OpenApiDocument } from './openapi-route-docs.ts';
import { opsDocs } from './ops-docs.ts';

const SURFACES: readonly { readonly prefix: string; readonly tag: string }[] = [
  { prefix: '/v1/', tag: 'OpenAI-compatible' },
  { prefix: '/api/', tag: 'Native' },
];
const OPERATIONS = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);

/** Every surface's route docs, keyed `METHOD /path`. */
export const ROUTE_DOCS = { ...opsDocs, ...seedDocs, ...nativeDocs, ...openaiDocs };
/** Schemas defined once in `components.schemas`: each surface's error shape. */
const SHARED_SCHEMAS = { SeedError, NativeError, OpenAIError };

/** Registers the document; call before any route so every route is in it. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Parley',
        version,
        description:
          'A self-hosted conversation API: the seed API (`/ask`), the OpenAI-compatible API (`/v1`) and the ' +
          'native API (`/api`), all over one tree of conversations. Authenticate with `Authorization: Bearer <key>` ' +
          'once keys exist.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url, route }) => {
      const tag =
        SURFACES.find((surface) => url.startsWith(surface.prefix))?.tag ??
        (OPERATIONS.has(url) ? 'Operations' : 'Seed');
      return { schema: { ...schema, tags: [tag] }, url: route.url };
    },
    // Summaries, descriptions, examples and answers per status, from each surface's docs file.
    transformObject: (documentObject) =>
      'openapiObject' in documentObject
        ? (applyRouteDocs(
            documentObject.openapiObject as OpenApiDocument,
            ROUTE_DOCS,
            SHARED_SCHEMAS,
          ) as typeof documentObject.openapiObject)
        : documentObject.swaggerObject,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header,
    // BaseLayout: no top bar, whose Swagger logo is an SVG with an inline <style> that the content
    // security policy (no 'unsafe-inline') refuses; nor its box to load other documents by URL.
    uiConfig: { docExpansion: 'list', deepLinking: true, layout: 'BaseLayout' },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
