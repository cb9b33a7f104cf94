/**
 * The bench's long-answer workload (`bench/long-answer.ts`) end to end, small: the bench's mock
 * upstream streams a long answer four characters a chunk to the real server, and every streaming
 * surface is asked it the way the bench asks. Each surface's text must come back whole (else the
 * bench's byte counts would measure a broken stream), and the native stream must stay within 1.5×
 * of `/v1/responses`' bytes on the wire (issue 15).
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setLongAnswer } from '../bench/arms.ts';
import { WIRE_RATIO_TARGET } from '../bench/long-answer-report.ts';
import { type BenchProcess, startNode } from '../bench/processes.ts';
import {
  answerText,
  askStreaming,
  STREAM_SURFACES,
  type StreamRead,
  type StreamSurface,
} from '../bench/surface-streams.ts';
import { longAnswerPieces, longAnswerText } from '../bench/wire.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const CHARS = 3_000;

describe('bench long answer', () => {
  let folder: string;
  let upstream: BenchProcess;
  let server: ServerProcess;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'parley-long-answer-'));
    upstream = await startNode({
      name: 'mock-upstream',
      args: [resolve(import.meta.dirname, '../bench/mock-upstream.ts')],
      logFile: join(folder, 'mock-upstream.log'),
      ready: { kind: 'line' },
    });
    server = await startServer({
      DATABASE_URL: `sqlite:${join(folder, 'parley.sqlite')}`,
      OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1`,
      OPENAI_API_KEY: 'sk-test',
      PARLEY_DEFAULT_MODEL: 'bench-model',
      PARLEY_AUTO_TITLES: 'false',
    });
    await setLongAnswer(upstream, CHARS, 4);
  });
  after(async () => {
    await server?.kill();
    await upstream?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  test('the long answer is exactly its length, cut in pieces that join back to it', () => {
    const text = longAnswerText(CHARS);
    assert.equal(text.length, CHARS);
    assert.match(text, /\n\n/);
    assert.match(text, /"/);
    const pieces = longAnswerPieces(CHARS, 4);
    assert.equal(pieces.length, CHARS / 4);
    assert.ok(pieces.every((piece) => piece.length === 4));
    assert.equal(pieces.join(''), text);
  });

  test('every surface streams the whole answer; the native stream is within 1.5× of /v1/responses on the wire', async () => {
    const reads = new Map<StreamSurface, StreamRead>();
    for (const surface of STREAM_SURFACES) {
      const read = await askStreaming(surface, server.baseUrl, true);
      assert.equal(read.status, 200, `${surface}: ${read.text?.slice(0, 300)}`);
      assert.equal(answerText(surface, read.text ?? ''), longAnswerText(CHARS), surface);
      assert.equal(read.bodyBytes, Buffer.byteLength(read.text ?? ''));
      // The socket read the headers and the chunked framing too.
      assert.ok(read.wireBytes > read.bodyBytes, `${surface}: ${read.wireBytes} ≤ ${read.bodyBytes}`);
      reads.set(surface, read);
    }
    const native = reads.get('native')?.wireBytes ?? Number.NaN;
    const responses = reads.get('responses')?.wireBytes ?? Number.NaN;
    assert.ok(
      native <= responses * WIRE_RATIO_TARGET,
      `native ${native} bytes, /v1/responses ${responses}: over ${WIRE_RATIO_TARGET}×`,
    );
    // The seed's stream is cumulative by its protocol: each event repeats the text so far.
    assert.ok((reads.get('ask')?.bodyBytes ?? 0) > (CHARS * CHARS) / 4 / 2);
  });
});
