import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../spec.ts';
import { planLlamaFunctions } from './plan-llama-functions.ts';
import { toGbnfJsonSchema } from './to-gbnf-json-schema.ts';

const weather = {
  name: 'weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const time = { name: 'time' };

function refusal(run: () => unknown): ProviderError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.kind, 'unsupported');
    return error;
  }
  return assert.fail('it was not refused');
}

describe('planLlamaFunctions', () => {
  it('offers every tool and lets the model choose, by default and with auto', () => {
    const expected = {
      functions: {
        weather: { description: 'The weather in a city', params: weather.parameters },
        time: {},
      },
      forceCall: false,
    };
    assert.deepEqual(planLlamaFunctions([weather, time], undefined), expected);
    assert.deepEqual(planLlamaFunctions([weather, time], 'auto'), expected);
  });

  it('offers nothing for none, and forces a call for required or a named function', () => {
    assert.deepEqual(planLlamaFunctions([weather], 'none'), { forceCall: false });
    assert.deepEqual(planLlamaFunctions([], 'auto'), { forceCall: false });
    assert.equal(planLlamaFunctions([weather, time], 'required').forceCall, true);
    assert.deepEqual(planLlamaFunctions([weather, time], { name: 'time' }), {
      functions: { time: {} },
      forceCall: true,
    });
    assert.match(refusal(() => planLlamaFunctions([weather], { name: 'nope' })).message, /'nope'/);
  });

  it('allows one call per answer when parallel tool calls are turned off', () => {
    assert.equal(planLlamaFunctions([weather], 'auto', false).maxCalls, 1);
    assert.equal(planLlamaFunctions([weather], 'auto', true).maxCalls, undefined);
    assert.equal(planLlamaFunctions([weather], 'auto').maxCalls, undefined);
  });
});

describe('toGbnfJsonSchema', () => {
  it('keeps what the grammar enforces, leaves annotations out, and maps anyOf and definitions', () => {
    assert.deepEqual(
      toGbnfJsonSchema(
        {
          $schema: 'http://json-schema.org/draft-07/schema#',
          title: 'Arguments',
          type: 'object',
          description: 'What to look up',
          properties: {
            city: { type: 'string', minLength: 1, default: 'Oslo' },
            when: { type: 'string', format: 'date' },
            unit: { anyOf: [{ const: 'C' }, { enum: ['F', null] }] },
            days: { type: 'array', items: { $ref: '#/definitions/day' }, maxItems: 7 },
          },
          required: ['city'],
          additionalProperties: false,
          definitions: { day: { type: 'integer' } },
        },
        'weather',
      ),
      {
        type: 'object',
        description: 'What to look up',
        properties: {
          city: { type: 'string', minLength: 1 },
          when: { type: 'string', format: 'date' },
          unit: { oneOf: [{ const: 'C' }, { enum: ['F', null] }] },
          days: { type: 'array', items: { $ref: '#/$defs/day' }, maxItems: 7 },
        },
        required: ['city'],
        additionalProperties: false,
        $defs: { day: { type: 'integer' } },
      },
    );
  });

  it('lets an object without properties hold any, as JSON Schema does', () => {
    assert.deepEqual(toGbnfJsonSchema({ type: 'object' }, 'any'), {
      type: 'object',
      additionalProperties: true,
    });
    assert.deepEqual(toGbnfJsonSchema({ type: 'object', properties: {} }, 'none'), {
      type: 'object',
      properties: {},
    });
  });

  it('refuses, by tool, keyword and place, what the grammar cannot enforce', () => {
    const cases: [unknown, RegExp][] = [
      [
        { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]+$' } } },
        /'pattern'.*parameters\.properties\.code/,
      ],
      [{ type: 'integer', minimum: 1 }, /'minimum'/],
      [{ allOf: [{ type: 'string' }] }, /'allOf'/],
      [{ type: 'string', format: 'email' }, /"email"/],
      [{ type: 'tuple' }, /"tuple"/],
      [{ $ref: 'https://example.com/schema' }, /#\/\$defs/],
      [{ enum: [{ a: 1 }] }, /only strings/],
      ['string', /must be an object/],
    ];
    for (const [schema, reason] of cases) {
      const error = refusal(() => toGbnfJsonSchema(schema, 'lookup'));
      assert.match(error.message, /the tool 'lookup'/);
      assert.match(error.message, reason);
    }
  });
});
