/**
 * Turns a tool's JSON Schema into node-llama-cpp's `GbnfJsonSchema`, the subset its grammar can
 * enforce while the model writes a call's arguments. The arguments must always satisfy the
 * client's schema, so a keyword the grammar cannot enforce (`pattern`, `minimum`, `allOf`, ...)
 * is refused by name rather than dropped.
 */

import type { GbnfJsonSchema } from 'node-llama-cpp';
import { localError } from './local-error.ts';

/** Keywords that only describe; they constrain nothing and are left out. */
const ANNOTATIONS = new Set([
  'title',
  '$schema',
  '$id',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
/** Keywords the grammar enforces, kept (after their subschemas are converted). */
const ENFORCED = new Set([
  'type',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'enum',
  'const',
  'oneOf',
  'anyOf',
  '$ref',
  '$defs',
  'definitions',
  'minLength',
  'maxLength',
  'format',
]);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const FORMATS = new Set(['date-time', 'time', 'date']);

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * @example toGbnfJsonSchema({type: 'object', properties: {city: {type: 'string'}}}, 'weather')
 *   // {type: 'object', properties: {city: {type: 'string'}}}
 */
export function toGbnfJsonSchema(schema: unknown, toolName: string): GbnfJsonSchema {
  const refuse = (path: string, why: string) =>
    localError(
      `the local provider cannot hold the arguments of the tool '${toolName}' to its parameters schema: ` +
        `${why} (at ${path}). Leave it out, or use a model of a provider that takes it.`,
      'unsupported',
    );

  const convert = (node: unknown, path: string): JsonObject => {
    if (!isObject(node)) throw refuse(path, 'a schema must be an object');
    const result: JsonObject = {};
    for (const [keyword, value] of Object.entries(node)) {
      if (ANNOTATIONS.has(keyword)) continue;
      if (!ENFORCED.has(keyword)) throw refuse(path, `the keyword '${keyword}' is not supported`);
      const at = `${path}.${keyword}`;
      switch (keyword) {
        case 'type':
          for (const type of Array.isArray(value) ? value : [value]) {
            if (typeof type !== 'string' || !TYPES.has(type))
              throw refuse(at, `unknown type ${JSON.stringify(type)}`);
          }
          result.type = value;
          break;
        case 'properties':
        case '$defs':
        case 'definitions':
          if (!isObject(value)) throw refuse(at, `'${keyword}' must be an object`);
          result[keyword === 'definitions' ? '$defs' : keyword] = Object.fromEntries(
            Object.entries(value).map(([name, each]) => [name, convert(each, `${at}.${name}`)]),
          );
          break;
        case 'additionalProperties':
        case 'items':
          result[keyword] =
            typeof value === 'boolean' && keyword === 'additionalProperties' ? value : convert(value, at);
          break;
        case 'prefixItems':
        case 'oneOf':
        case 'anyOf':
          if (!Array.isArray(value)) throw refuse(at, `'${keyword}' must be an array`);
          // Either way the grammar lets the model write one of the alternatives.
          result[keyword === 'anyOf' ? 'oneOf' : keyword] = value.map((each, index) =>
            convert(each, `${at}[${index}]`),
          );
          break;
        case 'enum':
        case 'const':
          for (const literal of keyword === 'enum' && Array.isArray(value) ? value : [value]) {
            if (isObject(literal) || Array.isArray(literal))
              throw refuse(at, 'only strings, numbers, booleans and null can be listed');
          }
          result[keyword] = value;
          break;
        case '$ref': {
          const target = typeof value === 'string' ? value.replace(/^#\/definitions\//, '#/$defs/') : '';
          if (!target.startsWith('#/$defs/'))
            throw refuse(at, `only references to '#/$defs/…' are supported`);
          result.$ref = target;
          break;
        }
        case 'format':
          if (typeof value !== 'string' || !FORMATS.has(value))
            throw refuse(at, `the format ${JSON.stringify(value)} is not supported`);
          result.format = value;
          break;
        default:
          result[keyword] = value;
      }
    }
    // JSON Schema lets `{type: 'object'}` alone hold any properties; node-llama-cpp would allow none.
    if (
      result.type === 'object' &&
      result.properties === undefined &&
      result.additionalProperties === undefined
    ) {
      result.additionalProperties = true;
    }
    return result;
  };

  return convert(schema, 'parameters') as GbnfJsonSchema;
}
