/**
 * A small client for a running Parley server's native API (`/api/...`): JSON requests, text
 * downloads and streamed answers. Every failure becomes a one-line `CliError` that says what to do:
 * no server at the URL, a missing or refused key, or the server's own `{error: {message}}`.
 */

import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { AnswerEvent } from './api-types.ts';
import { CliError } from './cli-error.ts';
import type { Connection } from './connection.ts';

const ANSWER_EVENTS = new Set(['start', 'delta', 'done', 'error']);

export interface RequestOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  readonly accept?: string;
}

export class ApiClient {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  get baseUrl(): string {
    return this.#connection.baseUrl;
  }

  /** Sends a request and returns the response when it is a success; throws a `CliError` otherwise. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (this.#connection.key !== undefined) headers.authorization = `Bearer ${this.#connection.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.#connection.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      if (options.signal?.aborted === true) throw error;
      throw this.#unreachable(error);
    }
    if (!response.ok) throw await this.#failure(response);
    return response;
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    return (await response.json()) as T;
  }

  async text(path: string, accept = 'application/json'): Promise<string> {
    return (await this.request('GET', path, { accept })).text();
  }

  /** A generating request sent with `"stream": true`: its events as they arrive. */
  async *answer(
    path: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): AsyncIterable<AnswerEvent> {
    const response = await this.request('POST', path, {
      body: { ...body, stream: true },
      signal,
      accept: 'text/event-stream',
    });
    if (response.body === null) throw new CliError('the server sent an empty answer');
    const frames = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    for await (const frame of frames) {
      const data = JSON.parse(frame.data) as Record<string, unknown>;
      if (ANSWER_EVENTS.has(frame.event ?? '')) {
        yield { type: frame.event, ...data } as AnswerEvent;
      }
    }
  }

  #unreachable(error: unknown): CliError {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const reason =
      typeof cause?.code === 'string'
        ? cause.code
        : typeof cause?.message === 'string'
          ? cause.message
          : (error as Error).message;
    return new CliError(
      `cannot reach a Parley server at ${this.#connection.baseUrl} (${reason}); ` +
        'start one with `parley serve`, or point --url or PARLEY_URL at it',
    );
  }

  async #failure(response: Response): Promise<CliError> {
    const text = await response.text();
    let message: string | undefined;
    try {
      const body = JSON.parse(text) as { error?: { message?: unknown } };
      if (typeof body.error?.message === 'string') message = body.error.message;
    } catch {
      // Not Parley's JSON: say what came back instead.
    }
    const detail = message ?? `the server at ${this.#connection.baseUrl} answered ${response.status}`;
    const advice =
      response.status === 401
        ? this.#connection.key === undefined
          ? '; pass a key with --key, PARLEY_API_KEY or `parley config set key <key>`'
          : '; check the key given by --key, PARLEY_API_KEY or the config file'
        : '';
    return new CliError(`${detail} (HTTP ${response.status})${advice}`);
  }
}
