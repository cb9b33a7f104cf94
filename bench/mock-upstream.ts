/**
 * The benchmark's upstream: a fast OpenAI-compatible `/v1/chat/completions` on 127.0.0.1, run as
 * its own process (`node bench/mock-upstream.ts`, prints `listening <port>`). It answers a fixed
 * completion, or with `stream: true` a stream of `chunks` content chunks, the first at once and
 * the rest every `intervalMs`; or, when `answerChars` is set, one long answer of that many characters
 * in chunks of `pieceChars` (`longAnswerText`). No per-request logging, keep-alive on, and the
 * request body is not parsed (a substring test finds `"stream":true`), so a 1 MB prompt costs the
 * upstream next to nothing.
 *
 * Control (bench only): `POST /__bench/stream {"chunks": n, "intervalMs": n, "answerChars": n,
 * "pieceChars": n}` sets the stream shape; `GET /__bench/stats` returns requests, connections and open streams; `GET
 * /__bench/last-request` returns the body of the last chat request as it arrived.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { longAnswerPieces, tokenText } from './wire.ts';

interface StreamShape {
  chunks: number;
  intervalMs: number;
  /** A long answer of this many characters instead of `chunks` tokens; 0 for tokens. */
  answerChars: number;
  /** Characters per chunk of the long answer. */
  pieceChars: number;
}

const shape: StreamShape = { chunks: 8, intervalMs: 0, answerChars: 0, pieceChars: 4 };
/** The long answer's chunks, cut once per shape. */
let longAnswer: { readonly key: string; readonly pieces: readonly string[] } | undefined;

function longAnswerOf(current: StreamShape): readonly string[] {
  const key = `${current.answerChars}/${current.pieceChars}`;
  if (longAnswer?.key !== key)
    longAnswer = { key, pieces: longAnswerPieces(current.answerChars, current.pieceChars) };
  return longAnswer.pieces;
}
const stats = { requests: 0, connections: 0, openStreams: 0 };
/** The last chat request's body, kept by reference (no copy): the bench replays exactly what a gateway sent. */
let lastChatBody = '';

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: Array.from({ length: 8 }, (_, index) => tokenText(index)).join(''),
        refusal: null,
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
  system_fingerprint: 'fp_bench',
});

const frame = (delta: Record<string, unknown>, finishReason: string | null): string =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'bench-model',
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  })}\n\n`;

const FIRST_FRAMES =
  frame({ role: 'assistant', content: '', refusal: null }, null) + frame({ content: tokenText(0) }, null);
const END_FRAMES =
  frame({}, 'stop') +
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'bench-model',
    choices: [],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
  })}\n\n` +
  'data: [DONE]\n\n';

function readBody(request: IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () =>
    done(chunks.length === 1 ? (chunks[0]?.toString() ?? '') : Buffer.concat(chunks).toString()),
  );
}

function sendJson(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function stream(response: ServerResponse, current: StreamShape): void {
  stats.openStreams++;
  const pieces = current.answerChars > 0 ? longAnswerOf(current) : undefined;
  const count = pieces?.length ?? current.chunks;
  const content = (index: number): string => pieces?.[index] ?? tokenText(index);
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.write(
    pieces === undefined
      ? FIRST_FRAMES
      : frame({ role: 'assistant', content: '', refusal: null }, null) + frame({ content: content(0) }, null),
  );
  let index = 1;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  response.on('close', () => {
    finish();
    stats.openStreams--;
  });
  const next = () => {
    if (response.destroyed) return;
    if (index >= count) {
      response.end(END_FRAMES);
      return;
    }
    response.write(frame({ content: content(index) }, null));
    index++;
    schedule();
  };
  const schedule = () => {
    if (current.intervalMs > 0) timer = setTimeout(next, current.intervalMs);
    else setImmediate(next);
  };
  schedule();
}

const server = createServer({ keepAliveTimeout: 120_000 }, (request, response) => {
  readBody(request, (body) => {
    const url = request.url ?? '';
    if (request.method === 'POST' && url.endsWith('/chat/completions')) {
      stats.requests++;
      lastChatBody = body;
      if (body.includes('"stream":true') || body.includes('"stream": true')) stream(response, { ...shape });
      else sendJson(response, 200, COMPLETION);
      return;
    }
    if (request.method === 'POST' && url === '/__bench/stream') {
      const wanted = JSON.parse(body) as Partial<StreamShape>;
      shape.chunks = Math.max(1, Math.trunc(wanted.chunks ?? shape.chunks));
      shape.intervalMs = Math.max(0, wanted.intervalMs ?? shape.intervalMs);
      shape.answerChars = Math.max(0, Math.trunc(wanted.answerChars ?? 0));
      shape.pieceChars = Math.max(1, Math.trunc(wanted.pieceChars ?? shape.pieceChars));
      sendJson(response, 200, JSON.stringify(shape));
      return;
    }
    if (request.method === 'GET' && url === '/__bench/last-request') {
      sendJson(response, 200, lastChatBody);
      return;
    }
    if (request.method === 'GET' && url === '/__bench/stats') {
      sendJson(response, 200, JSON.stringify(stats));
      return;
    }
    sendJson(response, 404, '{"error":{"message":"not found","type":"invalid_request_error"}}');
  });
});
server.on('connection', () => {
  stats.connections++;
});
server.headersTimeout = 0;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;

const port = Number(process.env.PORT ?? '0');
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
