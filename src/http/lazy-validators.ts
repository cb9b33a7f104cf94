/**
 * Request validators compiled on a route's first request instead of at start. Compiling every
 * route's schema with ajv was most of a start's CPU (the OpenAI request schemas are large), and a
 * server that restarts to serve should not pay for routes nobody calls yet. The compiler itself is
 * Fastify's own (`@fastify/ajv-compiler`, with the app's ajv options): only the moment changes.
 */

import { AjvCompiler, type BuildCompilerFromPool } from '@fastify/ajv-compiler';
import type { AnyValidateFunction } from 'ajv/dist/core.js';

/** Fastify's validator compiler factory (`schemaController.compilersFactory.buildValidator`), lazy. */
export function lazyValidators(): BuildCompilerFromPool {
  const buildCompiler = AjvCompiler();
  return (externalSchemas, options) => {
    const compile = buildCompiler(externalSchemas, options);
    return (routeDefinition) => {
      let compiled: AnyValidateFunction | undefined;
      // Fastify reads `errors` off the validator after it answers false, as it does off ajv's own.
      const validate = Object.assign(
        (data: unknown) => {
          compiled ??= compile(routeDefinition);
          const valid = compiled(data);
          validate.errors = compiled.errors;
          return valid;
        },
        { errors: undefined as AnyValidateFunction['errors'] },
      );
      // Only the call and `errors` are read; ajv's other fields (schema, source) are not.
      return validate as unknown as AnyValidateFunction;
    };
  };
}
