import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeltaDecoder, DeltaEncodingError } from './delta-encoding.ts';

describe('DeltaDecoder', () => {
  test('installs a document, then repeats path and operation when they are left out', () => {
    const decoder = new DeltaDecoder();
    decoder.apply({ p: '', o: 'add', v: { message: { content: { parts: [''] } } }, c: 0 });
    decoder.apply({ p: '/message/content/parts/0', o: 'append', v: 'a' });
    const document = decoder.apply({ v: 'b' });
    assert.deepEqual(document, { message: { content: { parts: ['ab'] } } });
  });

  test('keeps one document per channel; a bare value on a new channel installs it', () => {
    const decoder = new DeltaDecoder();
    decoder.apply({ c: 0, p: '', o: 'add', v: { n: 0 } });
    decoder.apply({ p: '/n', o: 'replace', v: 5 });
    assert.deepEqual(decoder.apply({ c: 1, v: { n: 1 } }), { n: 1 });
    assert.deepEqual(decoder.apply({ c: 0, p: '/n', o: 'replace', v: 6 }), { n: 6 });
  });

  test('applies patch lists, list operations, truncate and remove', () => {
    const decoder = new DeltaDecoder();
    decoder.apply({ p: '', o: 'add', v: { text: 'hello world', list: [1, 2], gone: true } });
    const document = decoder.apply({
      p: '',
      o: 'patch',
      v: [
        { p: '/text', o: 'truncate', v: 5 },
        { p: '/list/-', o: 'add', v: 3 },
        { p: '/list', o: 'append', v: [4] },
        { p: '/list/0', o: 'remove', v: null },
        { p: '/gone', o: 'remove', v: null },
        { p: '/a~1b', o: 'add', v: 'slash' },
      ],
    });
    assert.deepEqual(document, { text: 'hello', list: [2, 3, 4], 'a/b': 'slash' });
  });

  test('refuses patches that do not fit, and prototype keys', () => {
    const decoder = new DeltaDecoder();
    decoder.apply({ p: '', o: 'add', v: { message: {} } });
    assert.throws(() => decoder.apply({ p: '/missing/deep', o: 'add', v: 1 }), DeltaEncodingError);
    assert.throws(() => decoder.apply({ p: '/__proto__/x', o: 'add', v: 1 }), DeltaEncodingError);
    assert.throws(() => decoder.apply({ p: '/message', o: 'explode', v: 1 }), DeltaEncodingError);
    assert.throws(() => decoder.apply({ p: 'message', o: 'add', v: 1 }), DeltaEncodingError);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });
});
