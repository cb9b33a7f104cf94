/**
 * A fake OpenAI-compatible upstream on 127.0.0.1, built from the documented `/chat/completions`
 * wire format. It records every request (and whether the client hung up before the answer
 * ended) and answers from a queue of scripted replies, or by echoing the last user message.
 */

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RecordedRequest, readRequestText, recordRequest } from './recorded-request.ts';

export type FakeReply =
  /** A whole JSON answer (a completion, or an error with its status and headers). */
  | {
      readonly kind: 'json';
      readonly status?: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body: unknown;
    }
  /** A body sent as is, e.g. HTML from a proxy in front of the upstream. */
  | {
      readonly kind: 'text';
      readonly status: number;
      readonly contentType: string;
      readonly body: string;
    }
  /** A chat completion stream made of these deltas. */
  | {
      readonly kind: 'stream';
      readonly deltas: readonly string[];
      readonly finishReason?: string | null;
      readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
      readonly intervalMs?: number;
      /** After the deltas: end normally (default), keep the connection open, or reset it. */
      readonly end?: 'done' | 'no-done' | 'hang' | 'reset';
    }
  /** Raw bytes of an event stream, written one piece at a time (to split lines and characters). */
  | {
      readonly kind: 'raw-stream';
      readonly pieces: readonly (string | Buffer)[];
      readonly intervalMs?: number;
      readonly end?: 'end' | 'hang' | 'reset';
    };

export class FakeOpenAIUpstream {
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted so far: shows whether clients reuse keep-alive connections. */
  connections = 0;
  /** The ids `GET /v1/models` lists; undefined: that path is a 404, as on servers that lack it. */
  models: readonly string[] | undefined;
  /** Requests being answered right now (until the answer ends or the client hangs up). */
  open = 0;
  /** The most requests that were open at once. */
  maxOpen = 0;
  readonly #replies: FakeReply[] = [];
  readonly #server: Server;
  readonly #dialect: Dialect;
  #baseUrl = '';

  private constructor(dialect: Dialect) {
    this.#dialect = dialect;
    this.#server = createServer((request, response) => {
      void this.#handle(request, response);
    });
    this.#server.on('connection', () => {
      this.connections += 1;
    });
  }

  /**
   * Starts on a free loopback port. `anthropic` speaks the Messages API instead (`POST
   * /v1/messages`, its JSON and its stream events), with the base URL at the root.
   */
  static async start(dialect: Dialect = 'openai'): Promise<FakeOpenAIUpstream> {
    const upstream = new FakeOpenAIUpstream(dialect);
    upstream.#server.listen(0, '127.0.0.1');
    await once(upstream.#server, 'listening');
    const { port } = upstream.#server.address() as AddressInfo;
    upstream.#baseUrl = dialect === 'openai' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`;
    return upstream;
  }

  /** The value for `OPENAI_BASE_URL` (or `ANTHROPIC_BASE_URL`). */
  get baseUrl(): string {
    return this.#baseUrl;
  }

  /** The latest request; throws when there was none. */
  lastRequest(): RecordedRequest {
    const request = this.requests.at(-1);
    if (request === undefined) throw new Error('the fake upstream received no request');
    return request;
  }

  /** Queues replies, used in order; with none queued the upstream echoes. */
  reply(...replies: FakeReply[]): this {
    this.#replies.push(...replies);
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.open += 1;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    response.once('close', () => {
      this.open -= 1;
    });
    const recorded = recordRequest(request, response);
    const text = await readRequestText(request);
    (recorded as { body: unknown }).body = text === '' ? undefined : JSON.parse(text);
    this.requests.push(recorded);

    const listsModels = request.method === 'GET' && request.url?.split('?')[0] === '/v1/models';
    if (listsModels && this.models !== undefined) {
      sendJson(response, 200, modelList(this.models, this.#dialect));
      return;
    }
    const path = this.#dialect === 'openai' ? '/v1/chat/completions' : '/v1/messages';
    if (request.method !== 'POST' || request.url !== path) {
      sendJson(response, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
      return;
    }
    const body = recorded.body as { stream?: boolean; messages: { role: string; content: string }[] };
    const reply = this.#replies.shift() ?? echoReply(body, this.#dialect);
    await play(reply, response, this.#dialect);
  }
}

export type Dialect = 'openai' | 'anthropic';

/** `GET /v1/models` as each API answers it (Anthropic's is one page of a cursor list). */
function modelList(ids: readonly string[], dialect: Dialect): Record<string, unknown> {
  if (dialect === 'openai') {
    return {
      object: 'list',
      data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
    };
  }
  return {
    data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids.at(-1) ?? null,
  };
}

/** The default answer: "echo: <last user message>", streamed word by word when asked to stream. */
function echoReply(
  body: { stream?: boolean; messages: { role: string; content: string }[] },
  dialect: Dialect,
): FakeReply {
  const content: unknown = body.messages.findLast((message) => message.role === 'user')?.content ?? '';
  // Content may be parts (text, images, files): the text parts are the question.
  const question = Array.isArray(content)
    ? content
        .flatMap((part: { type?: string; text?: string }) => (part.type === 'text' ? [part.text ?? ''] : []))
        .join('')
    : String(content);
  const answer = `echo: ${question}`;
  if (body.stream !== true) {
    return { kind: 'json', body: dialect === 'openai' ? completion(answer) : anthropicMessage(answer) };
  }
  const deltas = answer.split(/(?<= )/);
  return {
    kind: 'stream',
    deltas,
    usage: { prompt_tokens: body.messages.length, completion_tokens: deltas.length },
  };
}

/** A `chat.completion` object as OpenAI sends it. */
export function completion(
  content: string,
  finishReason = 'stop',
  usage = { prompt_tokens: 5, completion_tokens: 7 },
): Record<string, unknown> {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'fake-model',
    choices: [
      { index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: finishReason },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** A `chat.completion` whose answer is one call of the function `name` with these arguments. */
export function toolCallCompletion(name: string, args: unknown, id = 'call_1'): Record<string, unknown> {
  const body = completion('', 'tool_calls') as { choices: { message: Record<string, unknown> }[] };
  const [choice] = body.choices;
  if (choice !== undefined) {
    choice.message = {
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
    };
  }
  return body;
}

/** A `chat.completion` whose answer carries its reasoning in `reasoning_content`, as DeepSeek sends it. */
export function withReasoningContent(
  body: Record<string, unknown>,
  reasoning: string,
): Record<string, unknown> {
  const { choices } = body as { choices: { message: Record<string, unknown> }[] };
  return {
    ...body,
    choices: choices.map((choice) => ({
      ...choice,
      message: { ...choice.message, reasoning_content: reasoning },
    })),
  };
}

/** A stream whose answer is one call of the function `name`, its arguments sent in these pieces. */
export function streamedToolCall(name: string, argumentPieces: readonly string[], id = 'call_1'): FakeReply {
  const first = { index: 0, id, type: 'function', function: { name, arguments: '' } };
  return {
    kind: 'raw-stream',
    intervalMs: 0,
    pieces: [
      chunkFrame({ role: 'assistant', tool_calls: [first] }),
      ...argumentPieces.map((piece) =>
        chunkFrame({ tool_calls: [{ index: 0, function: { arguments: piece } }] }),
      ),
      chunkFrame({}, 'tool_calls'),
      'data: [DONE]\n\n',
    ],
  };
}

/** A Messages API `message` as Anthropic sends it. */
export function anthropicMessage(
  text: string,
  stopReason = 'end_turn',
  usage = { input_tokens: 5, output_tokens: 7 },
): Record<string, unknown> {
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: 'claude-fake',
    content: [{ type: 'text', text }],
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
}

/** One Messages API stream event: `event:` and `data:` lines. */
export function anthropicFrame(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** A content block of a scripted Anthropic answer. */
export type AnthropicBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'thinking'; readonly thinking: string; readonly signature: string }
  | { readonly type: 'redacted_thinking'; readonly data: string }
  | {
      readonly type: 'tool_use';
      readonly id: string;
      readonly name: string;
      readonly input: Readonly<Record<string, unknown>>;
    };

/** A Messages API `message` made of these blocks (thinking, text, tool calls). */
export function anthropicBlocksMessage(
  blocks: readonly AnthropicBlock[],
  stopReason = 'end_turn',
): Record<string, unknown> {
  return { ...anthropicMessage('', stopReason), content: blocks };
}

/**
 * A stream of these blocks as Anthropic sends one: each block opens empty
 * (`content_block_start`), thinking and text come as deltas (a thinking block's signature last,
 * as `signature_delta`), a tool's input as `input_json_delta` pieces of its JSON, and each block
 * closes with `content_block_stop`.
 */
export function anthropicBlocksReply(blocks: readonly AnthropicBlock[], stopReason = 'end_turn'): FakeReply {
  const frames = [
    anthropicFrame('message_start', {
      message: { ...anthropicMessage('', stopReason), content: [], stop_reason: null },
    }),
  ];
  blocks.forEach((block, index) => {
    const delta = (payload: Record<string, unknown>) =>
      anthropicFrame('content_block_delta', { index, delta: payload });
    switch (block.type) {
      case 'text':
        frames.push(
          anthropicFrame('content_block_start', { index, content_block: { type: 'text', text: '' } }),
          ...block.text.split(/(?<= )/).map((text) => delta({ type: 'text_delta', text })),
        );
        break;
      case 'thinking':
        frames.push(
          anthropicFrame('content_block_start', {
            index,
            content_block: { type: 'thinking', thinking: '', signature: '' },
          }),
          ...block.thinking.split(/(?<= )/).map((thinking) => delta({ type: 'thinking_delta', thinking })),
          delta({ type: 'signature_delta', signature: block.signature }),
        );
        break;
      case 'redacted_thinking':
        frames.push(anthropicFrame('content_block_start', { index, content_block: block }));
        break;
      case 'tool_use': {
        const json = JSON.stringify(block.input);
        const middle = Math.floor(json.length / 2);
        frames.push(
          anthropicFrame('content_block_start', { index, content_block: { ...block, input: {} } }),
          ...[json.slice(0, middle), json.slice(middle)].map((partial_json) =>
            delta({ type: 'input_json_delta', partial_json }),
          ),
        );
        break;
      }
    }
    frames.push(anthropicFrame('content_block_stop', { index }));
  });
  frames.push(
    anthropicFrame('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: 9 },
    }),
    anthropicFrame('message_stop', {}),
  );
  return { kind: 'raw-stream', pieces: frames, intervalMs: 0 };
}

/** The events of a whole Anthropic stream for these deltas (ending with `message_stop` when `ends`). */
function anthropicStream(
  deltas: readonly string[],
  stopReason: string,
  usage: { prompt_tokens: number; completion_tokens: number } | undefined,
  ends: boolean,
): string[] {
  const frames = [
    anthropicFrame('message_start', {
      message: {
        ...anthropicMessage('', stopReason),
        content: [],
        stop_reason: null,
        usage: { input_tokens: usage?.prompt_tokens ?? 5, output_tokens: 1 },
      },
    }),
    anthropicFrame('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    anthropicFrame('ping', {}),
    ...deltas.map((delta) =>
      anthropicFrame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: delta } }),
    ),
  ];
  if (ends) {
    frames.push(
      anthropicFrame('content_block_stop', { index: 0 }),
      anthropicFrame('message_delta', {
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: usage?.completion_tokens ?? deltas.length },
      }),
      anthropicFrame('message_stop', {}),
    );
  }
  return frames;
}

/** One `data:` frame of a `chat.completion.chunk`. */
export function chunkFrame(
  delta: Record<string, unknown>,
  finishReason: string | null = null,
  usage?: unknown,
): string {
  const chunk = {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'fake-model',
    choices: usage === undefined ? [{ index: 0, delta, finish_reason: finishReason }] : [],
    ...(usage === undefined ? {} : { usage }),
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function startEventStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.flushHeaders();
}

async function play(reply: FakeReply, response: ServerResponse, dialect: Dialect): Promise<void> {
  switch (reply.kind) {
    case 'json':
      sendJson(response, reply.status ?? 200, reply.body, { ...reply.headers });
      return;
    case 'text':
      response.writeHead(reply.status, { 'content-type': reply.contentType });
      response.end(reply.body);
      return;
    case 'stream': {
      startEventStream(response);
      if (dialect === 'anthropic') {
        const end = reply.end ?? 'done';
        const pieces = anthropicStream(
          reply.deltas,
          reply.finishReason ?? 'end_turn',
          reply.usage,
          end === 'done',
        );
        await writePieces(response, pieces, reply.intervalMs ?? 0);
        finishStream(response, end === 'done' || end === 'no-done' ? 'end' : end);
        return;
      }
      const pieces = [chunkFrame({ role: 'assistant', content: '' })];
      pieces.push(...reply.deltas.map((delta) => chunkFrame({ content: delta })));
      const end = reply.end ?? 'done';
      if (end === 'done' || end === 'no-done') {
        pieces.push(chunkFrame({}, reply.finishReason === undefined ? 'stop' : reply.finishReason));
        if (reply.usage !== undefined) pieces.push(chunkFrame({}, null, reply.usage));
        if (end === 'done') pieces.push('data: [DONE]\n\n');
      }
      await writePieces(response, pieces, reply.intervalMs ?? 0);
      finishStream(response, end === 'done' || end === 'no-done' ? 'end' : end);
      return;
    }
    case 'raw-stream':
      startEventStream(response);
      await writePieces(response, reply.pieces, reply.intervalMs ?? 5);
      finishStream(response, reply.end ?? 'end');
      return;
  }
}

async function writePieces(
  response: ServerResponse,
  pieces: readonly (string | Buffer)[],
  intervalMs: number,
) {
  for (const piece of pieces) {
    if (response.destroyed) return;
    response.write(piece);
    if (intervalMs > 0) await sleep(intervalMs);
  }
}

function finishStream(response: ServerResponse, end: 'end' | 'hang' | 'reset'): void {
  if (end === 'end') response.end();
  else if (end === 'reset') response.socket?.resetAndDestroy();
  // 'hang': leave the connection open until the client gives up.
}

/**
 * A stream whose reasoning comes first in `reasoning_content` deltas (as DeepSeek sends it), then
 * the answer, ending with `finishReason` (`stop` unless said), a piece every `intervalMs`.
 */
export function reasoningStreamReply(
  reasoning: readonly string[],
  content: string,
  { finishReason = 'stop', intervalMs = 0 } = {},
): FakeReply {
  const [first = '', ...rest] = reasoning;
  return {
    kind: 'raw-stream',
    intervalMs,
    pieces: [
      chunkFrame({ role: 'assistant', content: null, reasoning_content: first }),
      ...rest.map((piece) => chunkFrame({ reasoning_content: piece })),
      chunkFrame({ content }),
      chunkFrame({}, finishReason),
      'data: [DONE]\n\n',
    ],
  };
}
