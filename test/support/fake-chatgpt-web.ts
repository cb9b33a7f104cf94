/**
 * A fake of ChatGPT's web backend on 127.0.0.1, built from what revChatGPT V1 and chat2api send
 * and read. It keeps conversations as trees of messages, answers `POST conversation` (`next` and
 * `continue`) with the classic stream of cumulative snapshots, hides and renames conversations
 * (`PATCH conversation/{id}`), and serves both the `/backend-api/` and `/api/` prefixes.
 *
 * Like the real one it refuses a second message on one token while the first is being answered
 * (HTTP 409 "Only one message at a time"), and counts such overlaps. Its answer says what it was
 * asked and how deep in the conversation: `echo: <question> (turn <n>)`, where n counts the user
 * messages from the root, so a test sees whether turns were really threaded upstream.
 */

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RecordedRequest, readRequestText, recordRequest } from './recorded-request.ts';

export interface FakeMessage {
  readonly id: string;
  readonly parentId: string | null;
  readonly role: 'root' | 'user' | 'assistant';
  readonly text: string;
  readonly children: string[];
}

export interface FakeConversation {
  readonly id: string;
  title: string;
  visible: boolean;
  readonly messages: Map<string, FakeMessage>;
}

/** Replaces the normal answer to the next `POST conversation` (after the token and overlap checks). */
export type FakeScript =
  /** An error status with a JSON body (or a string body, e.g. an HTML page). */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body: unknown;
      readonly contentType?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** The normal stream, stopped after `afterEvents` events: reset, ended without `[DONE]`, left open, or an error event. */
  | {
      readonly kind: 'stream';
      readonly end: 'reset' | 'cut' | 'hang' | 'error';
      readonly afterEvents?: number;
      readonly error?: string;
    }
  /** A body sent as is, one piece at a time. */
  | { readonly kind: 'raw'; readonly pieces: readonly string[]; readonly contentType?: string };

export interface FakeChatGPTWebOptions {
  /** Tokens answered with 401 `token_expired`. */
  readonly expiredTokens?: readonly string[];
  /** The pause between two stream events. */
  readonly intervalMs?: number;
}

export const ONLY_ONE_MESSAGE =
  'Only one message at a time. Please allow any other responses to complete before sending another message, or wait one minute.';

const ROUTE = /^\/(?:backend-api|api)\/conversation(?:\/([^/?]+))?$/;
const GEN_TITLE = /^\/(?:backend-api|api)\/conversation\/gen_title\/([^/?]+)$/;

export class FakeChatGPTWeb {
  readonly requests: RecordedRequest[] = [];
  readonly conversations = new Map<string, FakeConversation>();
  readonly expiredTokens: Set<string>;
  intervalMs: number;
  /** Conversation requests that arrived while the same token had one being answered. */
  overlaps = 0;
  readonly #scripts: FakeScript[] = [];
  readonly #answering = new Set<string>();
  readonly #server: Server;
  #origin = '';

  private constructor(options: FakeChatGPTWebOptions) {
    this.expiredTokens = new Set(options.expiredTokens ?? []);
    this.intervalMs = options.intervalMs ?? 0;
    this.#server = createServer((request, response) => {
      void this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { detail: String(error) });
        else response.destroy();
      });
    });
  }

  static async start(options: FakeChatGPTWebOptions = {}): Promise<FakeChatGPTWeb> {
    const upstream = new FakeChatGPTWeb(options);
    upstream.#server.listen(0, '127.0.0.1');
    await once(upstream.#server, 'listening');
    const { port } = upstream.#server.address() as AddressInfo;
    upstream.#origin = `http://127.0.0.1:${port}`;
    return upstream;
  }

  /** The base URL with one of the two prefixes reverse proxies use. */
  baseUrl(prefix: 'backend-api' | 'api' = 'backend-api'): string {
    return `${this.#origin}/${prefix}/`;
  }

  /** Queues scripted answers for the next conversation requests, used in order. */
  script(...scripts: FakeScript[]): this {
    this.#scripts.push(...scripts);
    return this;
  }

  lastRequest(): RecordedRequest {
    const request = this.requests.at(-1);
    if (request === undefined) throw new Error('the fake ChatGPT backend received no request');
    return request;
  }

  /** The `POST conversation` requests so far. */
  conversationRequests(): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.method === 'POST' && request.path.endsWith('/conversation'),
    );
  }

  /** The texts from the root to a message, oldest first (the root's empty text left out). */
  pathTexts(conversationId: string, messageId: string): string[] {
    const conversation = this.conversations.get(conversationId);
    const texts: string[] = [];
    for (let message = conversation?.messages.get(messageId); message !== undefined; ) {
      if (message.role !== 'root') texts.unshift(`${message.role}: ${message.text}`);
      message = message.parentId === null ? undefined : conversation?.messages.get(message.parentId);
    }
    return texts;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const recorded = recordRequest(request, response);
    const text = await readRequestText(request);
    this.requests.push(recorded);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      sendJson(response, 400, { detail: 'the body is not JSON' });
      return;
    }
    (recorded as { body: unknown }).body = body;

    const genTitle = request.method === 'POST' ? GEN_TITLE.exec(request.url ?? '') : null;
    if (genTitle?.[1] !== undefined) {
      this.#generateTitle(decodeURIComponent(genTitle[1]), body, response);
      return;
    }
    const route = ROUTE.exec(request.url ?? '');
    if (route === null || (route[1] === undefined ? request.method !== 'POST' : request.method !== 'PATCH')) {
      sendJson(response, 404, { detail: 'Not Found' });
      return;
    }
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) {
      sendJson(response, 401, { detail: 'Unauthorized' });
      return;
    }
    if (this.expiredTokens.has(token)) {
      sendJson(response, 401, {
        detail: {
          code: 'token_expired',
          message: 'Your authentication token has expired. Please try signing in again.',
        },
      });
      return;
    }
    if (route[1] !== undefined) {
      this.#patch(decodeURIComponent(route[1]), body, response);
      return;
    }
    if (this.#answering.has(token)) {
      this.overlaps += 1;
      sendJson(response, 409, { detail: ONLY_ONE_MESSAGE });
      return;
    }
    this.#answering.add(token);
    let answered = false;
    const done = (): void => {
      if (answered) return;
      answered = true;
      this.#answering.delete(token);
    };
    response.on('close', done);
    await this.#converse(body, response, done);
  }

  /** `gen_title`: "About " and the first question, stored on the conversation as the backend does. */
  #generateTitle(conversationId: string, body: unknown, response: ServerResponse): void {
    const conversation = this.conversations.get(conversationId);
    const messageId = isRecord(body) && typeof body.message_id === 'string' ? body.message_id : '';
    if (conversation === undefined || !conversation.messages.has(messageId)) {
      sendJson(response, 404, conversationNotFound());
      return;
    }
    const question = this.pathTexts(conversationId, messageId).find((text) => text.startsWith('user: '));
    conversation.title = `About ${question?.slice(6) ?? ''}`;
    sendJson(response, 200, { title: conversation.title });
  }

  #patch(conversationId: string, body: unknown, response: ServerResponse): void {
    const conversation = this.conversations.get(conversationId);
    if (conversation === undefined) {
      sendJson(response, 404, conversationNotFound());
      return;
    }
    const patch = isRecord(body) ? body : {};
    if (typeof patch.title === 'string') conversation.title = patch.title;
    if (typeof patch.is_visible === 'boolean') conversation.visible = patch.is_visible;
    sendJson(response, 200, { success: true });
  }

  /** Answers one `POST conversation`; `done` marks the token free (just before `[DONE]`). */
  async #converse(body: unknown, response: ServerResponse, done: () => void): Promise<void> {
    const scripted = this.#scripts.shift();
    if (scripted?.kind === 'status') {
      done();
      const isText = typeof scripted.body === 'string';
      response.writeHead(scripted.status, {
        'content-type': scripted.contentType ?? (isText ? 'text/html; charset=utf-8' : 'application/json'),
        ...scripted.headers,
      });
      response.end(isText ? scripted.body : JSON.stringify(scripted.body));
      return;
    }
    if (scripted?.kind === 'raw') {
      response.writeHead(200, { 'content-type': scripted.contentType ?? 'text/event-stream' });
      response.flushHeaders();
      for (const piece of scripted.pieces) {
        if (response.destroyed) return;
        response.write(piece);
        await this.#pause();
      }
      done();
      response.end();
      return;
    }

    const turn = this.#startTurn(body);
    if ('error' in turn) {
      done();
      sendJson(response, turn.status, turn.error);
      return;
    }
    const events = turn.events;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
    });
    response.flushHeaders();
    const stopAfter = scripted?.kind === 'stream' ? (scripted.afterEvents ?? 3) : events.length;
    for (const event of events.slice(0, stopAfter)) {
      if (response.destroyed) return;
      response.write(frame(event));
      await this.#pause();
    }
    if (scripted?.kind === 'stream') {
      if (scripted.end === 'reset') response.socket?.resetAndDestroy();
      else if (scripted.end === 'cut') response.end();
      else if (scripted.end === 'error') {
        response.write(
          frame({
            message: null,
            conversation_id: turn.conversationId,
            error: scripted.error ?? 'Something went wrong. If this issue persists please contact us.',
          }),
        );
        done();
        response.end('data: [DONE]\n\n');
      }
      // 'hang': left open until the client gives up.
      return;
    }
    done();
    response.end('data: [DONE]\n\n');
  }

  /** Writes the question and answer into the tree and returns the events that tell of them. */
  #startTurn(
    body: unknown,
  ):
    | { readonly events: readonly unknown[]; readonly conversationId: string }
    | { readonly status: number; readonly error: unknown } {
    const invalid = (problem: string) => ({
      status: 422,
      error: { detail: [{ loc: ['body'], msg: problem, type: 'value_error' }] },
    });
    if (!isRecord(body) || typeof body.model !== 'string' || typeof body.parent_message_id !== 'string') {
      return invalid('model and parent_message_id are required');
    }
    const parentId = body.parent_message_id;
    const model = body.model;
    let conversation: FakeConversation | undefined;
    if (body.conversation_id !== undefined && body.conversation_id !== null) {
      conversation = this.conversations.get(String(body.conversation_id));
      if (conversation === undefined) return { status: 404, error: conversationNotFound() };
    }

    if (body.action === 'continue') {
      const parent = conversation?.messages.get(parentId);
      if (conversation === undefined || parent?.role !== 'assistant') {
        return {
          status: 400,
          error: { detail: 'continue needs an assistant message of an existing conversation' },
        };
      }
      const answer = ` (continued, turn ${this.#turnNumber(conversation, parent.id)})`;
      const assistant = addMessage(conversation, parent.id, 'assistant', answer);
      return { conversationId: conversation.id, events: answerEvents(conversation.id, assistant, model, []) };
    }
    if (body.action !== 'next') return invalid('action must be next or continue');
    const sent = Array.isArray(body.messages) ? body.messages[0] : undefined;
    const question =
      isRecord(sent) && isRecord(sent.content) && Array.isArray(sent.content.parts)
        ? sent.content.parts[0]
        : undefined;
    if (
      !isRecord(sent) ||
      typeof sent.id !== 'string' ||
      !isRecord(sent.author) ||
      sent.author.role !== 'user' ||
      typeof question !== 'string'
    ) {
      return invalid('messages[0] must be a user text message with an id');
    }
    const isNew = conversation === undefined;
    if (conversation === undefined) {
      conversation = { id: randomUUID(), title: 'New chat', visible: true, messages: new Map() };
      // A new conversation hangs from the parent id the client made up.
      conversation.messages.set(parentId, {
        id: parentId,
        parentId: null,
        role: 'root',
        text: '',
        children: [],
      });
      this.conversations.set(conversation.id, conversation);
    } else if (!conversation.messages.has(parentId)) {
      return { status: 400, error: { detail: `parent message ${parentId} not found` } };
    }
    if (conversation.messages.has(sent.id)) return invalid('message id already used');
    const user = addMessage(conversation, parentId, 'user', question, sent.id);
    const answer = `echo: ${question} (turn ${this.#turnNumber(conversation, user.id)})`;
    const assistant = addMessage(conversation, user.id, 'assistant', answer);
    const echo = {
      message: snapshot(user, 'user', user.text, { status: 'finished_successfully', end_turn: null }),
      conversation_id: conversation.id,
      error: null,
    };
    const moderation = {
      type: 'moderation',
      conversation_id: conversation.id,
      message_id: user.id,
      is_completion: false,
      moderation_response: { flagged: false, blocked: false, moderation_id: 'modr-fake' },
    };
    const title = isNew
      ? [{ type: 'title_generation', title: 'Fake title', conversation_id: conversation.id }]
      : [];
    return {
      conversationId: conversation.id,
      events: [echo, moderation, ...answerEvents(conversation.id, assistant, model, title)],
    };
  }

  #turnNumber(conversation: FakeConversation, messageId: string): number {
    let turns = 0;
    for (let message = conversation.messages.get(messageId); message !== undefined; ) {
      if (message.role === 'user') turns += 1;
      message = message.parentId === null ? undefined : conversation.messages.get(message.parentId);
    }
    return turns;
  }

  async #pause(): Promise<void> {
    if (this.intervalMs > 0) await sleep(this.intervalMs);
  }
}

function addMessage(
  conversation: FakeConversation,
  parentId: string,
  role: 'user' | 'assistant',
  text: string,
  id: string = randomUUID(),
): FakeMessage {
  const message: FakeMessage = { id, parentId, role, text, children: [] };
  conversation.messages.set(id, message);
  conversation.messages.get(parentId)?.children.push(id);
  return message;
}

/** The assistant's growing snapshots (a few words more each), the finished one, extras, in order. */
function answerEvents(
  conversationId: string,
  assistant: FakeMessage,
  model: string,
  extras: readonly unknown[],
): unknown[] {
  const words = assistant.text.split(/(?<= )/);
  const events: unknown[] = [];
  for (let count = 1; count < words.length; count += 1) {
    events.push({
      message: snapshot(assistant, 'assistant', words.slice(0, count).join(''), {
        status: 'in_progress',
        end_turn: null,
        metadata: { message_type: 'next', model_slug: model },
      }),
      conversation_id: conversationId,
      error: null,
    });
  }
  events.push({
    message: snapshot(assistant, 'assistant', assistant.text, {
      status: 'finished_successfully',
      end_turn: true,
      metadata: {
        message_type: 'next',
        model_slug: model,
        finish_details: { type: 'stop', stop: '<|im_end|>' },
      },
    }),
    conversation_id: conversationId,
    error: null,
  });
  return [...events, ...extras];
}

function snapshot(message: FakeMessage, role: string, text: string, rest: Record<string, unknown>) {
  return {
    id: message.id,
    author: { role, name: null, metadata: {} },
    create_time: 1_700_000_000,
    update_time: null,
    content: { content_type: 'text', parts: [text] },
    weight: 1,
    recipient: 'all',
    metadata: {},
    ...rest,
  };
}

function conversationNotFound() {
  return { detail: { code: 'conversation_not_found', message: 'Conversation not found' } };
}

/** One classic stream event. */
export function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
