/** A finished run's packed events read back exactly as appended, from any resume point. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRunLog } from '../infra/run-log.ts';
import type { GenerationEvent } from './generation-events.ts';
import { packRunEvents } from './run-event-packing.ts';

/** A run with every kind of stretch: reasoning, text (with a surrogate pair cut across pieces), an
 * event with log probabilities in the middle, a tool call, a lone delta, and the finish. */
function sampleRun(): GenerationEvent[] {
  const pieces = ['Hel', 'lo, ', '\ud83d', '\ude00 wor', 'ld', '', '!'];
  const events: GenerationEvent[] = [];
  let sequence = 0;
  for (const delta of ['Let me ', 'think.'])
    events.push({ type: 'reasoning-delta', sequence: ++sequence, delta });
  events.push({ type: 'reasoning-end', sequence: ++sequence });
  for (const delta of pieces) events.push({ type: 'text-delta', sequence: ++sequence, delta });
  events.push({
    type: 'text-delta',
    sequence: ++sequence,
    delta: ' sure',
    logprobs: [{ token: ' sure', logprob: -0.1, bytes: [32, 115, 117, 114, 101], topLogprobs: [] }],
  });
  for (const delta of [' and', ' more']) events.push({ type: 'text-delta', sequence: ++sequence, delta });
  events.push({
    type: 'tool-call-delta',
    sequence: ++sequence,
    index: 0,
    id: 'call_1',
    name: 'f',
    argumentsDelta: '{}',
  });
  events.push({ type: 'text-delta', sequence: ++sequence, delta: 'lone' });
  events.push({ type: 'finish', sequence: ++sequence, status: 'completed', finishReason: 'stop' });
  return events;
}

async function readAll(log: MemoryRunLog<GenerationEvent>, runId: string, after: number) {
  const read: GenerationEvent[] = [];
  for await (const event of log.read(runId, after, new AbortController().signal)) read.push(event);
  return read;
}

describe('packed run events', () => {
  it('read back, one by one, as the events appended', () => {
    const events = sampleRun();
    const packed = packRunEvents(events);
    assert.equal(packed.length, events.length);
    assert.deepEqual(
      Array.from({ length: packed.length }, (_, index) => packed.at(index)),
      events,
    );
    assert.equal(packed.at(-1), undefined);
    assert.equal(packed.at(events.length), undefined);
  });

  it('replay from every sequence number what an unpacked log replays', async () => {
    const plain = new MemoryRunLog<GenerationEvent>();
    const packing = new MemoryRunLog<GenerationEvent>(undefined, packRunEvents);
    for (const log of [plain, packing]) {
      log.open('run');
      for (const event of sampleRun()) log.append('run', event);
      log.end('run');
    }
    for (let after = -1; after <= sampleRun().length + 1; after++) {
      assert.deepEqual(
        await readAll(packing, 'run', after),
        await readAll(plain, 'run', after),
        `after ${after}`,
      );
    }
  });

  it('let a follower reading when the run ends go on where it was', async () => {
    const log = new MemoryRunLog<GenerationEvent>(undefined, packRunEvents);
    const events = sampleRun();
    log.open('run');
    for (const event of events.slice(0, 5)) log.append('run', event);
    const read: GenerationEvent[] = [];
    const following = (async () => {
      for await (const event of log.read('run', 0, new AbortController().signal)) {
        read.push(event);
        // Halfway through, the rest arrives and the run ends (and is packed) under the follower.
        if (read.length === 3) {
          for (const later of events.slice(5)) log.append('run', later);
          log.end('run');
        }
      }
    })();
    await following;
    assert.deepEqual(read, events);
  });

  it('start afresh when a continued answer opens its run again', async () => {
    const log = new MemoryRunLog<GenerationEvent>(undefined, packRunEvents);
    log.open('run');
    for (const event of sampleRun()) log.append('run', event);
    log.end('run');
    log.open('run');
    const again: GenerationEvent[] = [
      { type: 'text-delta', sequence: 1, delta: 'more ' },
      { type: 'text-delta', sequence: 2, delta: 'text' },
      { type: 'finish', sequence: 3, status: 'completed', finishReason: 'stop' },
    ];
    for (const event of again) log.append('run', event);
    log.end('run');
    assert.deepEqual(await readAll(log, 'run', 0), again);
  });
});
