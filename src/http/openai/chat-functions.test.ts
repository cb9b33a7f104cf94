import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParleyError } from '../../errors.ts';
import { functionCallDelta, functionCallIds, toFunctionCall } from './chat-functions.ts';

const call = (name: string) => ({ role: 'assistant', function_call: { name, arguments: '{}' } });
const result = (name: string) => ({ role: 'function', name });

test('a function result answers the latest unanswered call of its function', () => {
  const ids = functionCallIds([
    { role: 'user' },
    call('a'),
    call('b'),
    result('a'),
    call('a'),
    result('a'),
    result('b'),
  ]);
  assert.deepEqual(
    [...ids],
    [
      [1, 'call_fn1'],
      [2, 'call_fn2'],
      [3, 'call_fn1'],
      [4, 'call_fn4'],
      [5, 'call_fn4'],
      [6, 'call_fn2'],
    ],
  );
});

test('a function result without its call, or without a name, is a 400 naming the message', () => {
  assert.throws(
    () => functionCallIds([call('a'), result('a'), result('a')]),
    (error: ParleyError) => error.param === 'messages[2]',
  );
  assert.throws(
    () => functionCallIds([{ role: 'function' }]),
    (error: ParleyError) => error.param === 'messages[0].name',
  );
});

test('the deprecated form holds one call: a second is an upstream error, never dropped', () => {
  const calls = [
    { id: '1', name: 'a', arguments: '{}' },
    { id: '2', name: 'b', arguments: '{}' },
  ];
  assert.deepEqual(toFunctionCall(calls.slice(0, 1)), { name: 'a', arguments: '{}' });
  assert.throws(
    () => toFunctionCall(calls),
    (error: ParleyError) => error.code === 'UPSTREAM_ERROR',
  );
  assert.deepEqual(functionCallDelta({ index: 0, name: 'a', argumentsDelta: '' }), {
    name: 'a',
    arguments: '',
  });
  assert.throws(() => functionCallDelta({ index: 1, argumentsDelta: '{' }), ParleyError);
});
