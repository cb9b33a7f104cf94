/** A finished run's packed events read back exactly as appended, from any resume point. */

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisRunLog } from '../infra/redis-run-log.ts';
import { MemoryRunLog, unpack } from '../infra/run-log.ts';
import type { GenerationEvent } from './generation-events.ts';
import { packRunEvents, runEventCodec } from './run-event-packing.ts';

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

async function readAll(
  log: MemoryRunLog<GenerationEvent> | RedisRunLog<GenerationEvent>,
  runId: string,
  after: number,
) {
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

  it('write as text and read back the same events (packed or not)', () => {
    const events = sampleRun();
    for (const given of [packRunEvents(events), events]) {
      const text = runEventCodec.encode(given);
      assert.deepEqual(unpack(runEventCodec.decode(text)), events);
    }
    assert.throws(() => runEventCodec.decode('{"v":2}'), /not a packed run/);
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

const redisUrl = process.env.PARLEY_TEST_REDIS_URL ?? '';

describe('packed runs shared through Redis', { skip: redisUrl === '' && 'set PARLEY_TEST_REDIS_URL' }, () => {
  const redis = redisUrl === '' ? undefined : new Redis(redisUrl);
  const runIds: string[] = [];
  after(async () => {
    if (redis === undefined) return;
    for (const runId of runIds) await redis.del(`parley:run:${runId}`, `parley:run-packed:${runId}`);
    redis.disconnect();
  });
  /** Two replicas' run logs on the same Redis. */
  const replicas = () => {
    const connection = redis as Redis;
    const options = { pack: packRunEvents, codec: runEventCodec };
    return [
      new RedisRunLog<GenerationEvent>(connection, options),
      new RedisRunLog<GenerationEvent>(connection, options),
    ];
  };
  const newRun = () => {
    const runId = randomUUID();
    runIds.push(runId);
    return runId;
  };
  const eventually = async (check: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.fail('timed out');
  };

  it('keep a finished run as one compact value, replayed on another replica from every point', async () => {
    const [writer, reader] = replicas() as [RedisRunLog<GenerationEvent>, RedisRunLog<GenerationEvent>];
    const connection = redis as Redis;
    const runId = newRun();
    const events = sampleRun();
    writer.open(runId);
    for (const event of events) writer.append(runId, event);
    writer.end(runId);
    await eventually(async () => (await connection.exists(`parley:run-packed:${runId}`)) === 1);
    assert.ok((await connection.pttl(`parley:run-packed:${runId}`)) > 60_000, 'kept for the retention time');
    assert.ok((await connection.pttl(`parley:run:${runId}`)) <= 60_000, 'the stream only for a grace');
    assert.equal(await reader.has(runId), true);
    await connection.del(`parley:run:${runId}`);
    assert.equal(await reader.has(runId), true, 'known by its compact copy alone');
    for (let afterSequence = -1; afterSequence <= events.length; afterSequence++) {
      assert.deepEqual(
        await readAll(reader, runId, afterSequence),
        events.filter((event) => event.sequence > afterSequence),
        `after ${afterSequence}`,
      );
    }
  });

  it('let a follower on another replica finish from the compact copy when the stream goes', async () => {
    const [writer, reader] = replicas() as [RedisRunLog<GenerationEvent>, RedisRunLog<GenerationEvent>];
    const connection = redis as Redis;
    const runId = newRun();
    const events = sampleRun();
    writer.open(runId);
    for (const event of events.slice(0, 4)) writer.append(runId, event);
    await eventually(async () => (await connection.xlen(`parley:run:${runId}`)) === 4);
    const read: GenerationEvent[] = [];
    const controller = new AbortController();
    const following = (async () => {
      for await (const event of reader.read(runId, 0, controller.signal)) {
        read.push(event);
        if (read.length === 4) {
          // The stream goes (as when its grace ends) while this follower waits for more; the run
          // ended meanwhile and left its compact copy.
          await connection.del(`parley:run:${runId}`);
          await connection.set(`parley:run-packed:${runId}`, runEventCodec.encode(events), 'PX', 60_000);
        }
      }
    })();
    await following;
    assert.deepEqual(read, events, 'each event once, in order');
  });
});
