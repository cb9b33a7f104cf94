import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamPart } from '../spec.ts';
import { FunctionCallDeltas } from './function-call-deltas.ts';

describe('FunctionCallDeltas', () => {
  it("gives each call an id and its name with its first piece, and leaves out node-llama-cpp's end mark", () => {
    const parts: StreamPart[] = [];
    const deltas = new FunctionCallDeltas((part) => parts.push(part));
    const chunk = (callIndex: number, paramsChunk: string) =>
      deltas.onParamsChunk({ callIndex, functionName: callIndex === 0 ? 'weather' : 'time', paramsChunk });
    chunk(0, '{"city":');
    chunk(0, ' "Oslo"\n');
    chunk(0, '}\n\n');
    chunk(0, '\n\n');
    deltas.onFunctionCall({ functionName: 'weather', params: { city: 'Oslo' } });
    deltas.onFunctionCall({ functionName: 'now', params: undefined });
    chunk(2, '{"zone": "UTC"}\n\n\n\n');
    deltas.onFunctionCall({ functionName: 'time', params: { zone: 'UTC' } });

    const calls = new Map<number, { id: string | undefined; name: string | undefined; text: string }>();
    for (const part of parts) {
      assert.equal(part.type, 'tool-call-delta');
      if (part.type !== 'tool-call-delta') continue;
      const call = calls.get(part.index);
      if (call === undefined)
        calls.set(part.index, { id: part.id, name: part.name, text: part.argumentsDelta });
      else {
        assert.equal(part.id, undefined, 'the id comes with the first piece only');
        call.text += part.argumentsDelta;
      }
    }
    assert.deepEqual(
      [...calls.values()].map(({ name, text }) => [name, text]),
      [
        ['weather', '{"city": "Oslo"\n}'],
        ['now', '{}'],
        ['time', '{"zone": "UTC"}'],
      ],
    );
    const ids = [...calls.values()].map((call) => call.id ?? '');
    assert.ok(
      ids.every((id) => /^call_[0-9a-f]{24}$/.test(id)),
      ids.join(),
    );
    assert.equal(new Set(ids).size, 3);
    assert.equal(deltas.count, 3);
  });
});
