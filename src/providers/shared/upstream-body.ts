/**
 * An upstream response read straight from undici's dispatcher: the dispatch handler and the body
 * it fills. `undici.request()` would wrap every response in a `Readable` (with its state, an
 * `AsyncResource`, and an async iterator per reader); a server holding thousands of open streams
 * pays for those per stream. This body keeps what Parley uses and no more: chunks in arrival
 * order, a reader that waits for the next one, the whole text, and a way to discard the rest.
 * Backpressure is kept: past `HIGH_WATER_BYTES` unread, the connection is paused until the reader
 * catches up. (Measured with 3,000 open streams: ~3 KB less heap and 4–10 KB less RSS per stream.)
 */

import type { Dispatcher } from 'undici';
import type { ResponseHeaders } from '../spec.ts';
import { PartQueue, type QueueNext } from './part-queue.ts';

/** Unread bytes past which the upstream connection is paused. */
const HIGH_WATER_BYTES = 64 * 1024;
const NEVER_STOPPED = () => false;
const valueOrNull = (next: QueueNext<Buffer>): Buffer | null => (next.done ? null : next.value);

export interface UpstreamHead {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: UpstreamBody;
}

export class UpstreamBody {
  readonly #controller: Dispatcher.DispatchController;
  readonly #chunks = new PartQueue<Buffer>((chunk) => this.#taken(chunk));
  #unread = 0;
  /** Discarding: chunks are dropped and counted against this limit. */
  #discardLimit: number | undefined;
  #discarded = 0;
  /** Stops watching the discard's abort signal once the body is over. */
  #stopDiscarding: (() => void) | undefined;

  constructor(controller: Dispatcher.DispatchController) {
    this.#controller = controller;
  }

  /** The whole body arrived. */
  get ended(): boolean {
    return this.#chunks.ended;
  }

  /** The body stopped before its end (a failure, an abort, or `destroy`). */
  get failed(): boolean {
    return this.#chunks.failed;
  }

  /** The next chunk, or `null` at the end; rejects with the transport's error. */
  read(): Promise<Buffer | null> {
    return this.#chunks.next(NEVER_STOPPED).then(valueOrNull);
  }

  /** A chunk goes to the reader: it no longer counts as unread. */
  #taken(chunk: Buffer): void {
    this.#unread -= chunk.length;
    if (this.#controller.paused && this.#unread < HIGH_WATER_BYTES) this.#controller.resume();
  }

  /** The rest of the body as UTF-8 text. */
  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }

  /**
   * Drops the rest of the body so that its keep-alive connection can serve another request; past
   * `limit` bytes, or once `signal` aborts, the connection is closed instead.
   */
  discard(limit: number, signal: AbortSignal): void {
    if (this.ended || this.failed) return;
    this.#discarded = this.#unread;
    this.#chunks.clear();
    this.#unread = 0;
    this.#discardLimit = limit;
    if (this.#discarded > limit || signal.aborted) {
      this.destroy();
      return;
    }
    const onAbort = () => this.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#stopDiscarding = () => signal.removeEventListener('abort', onAbort);
    if (this.#controller.paused) this.#controller.resume();
  }

  /** Closes the connection (the body is not wanted, and the connection cannot be reused). */
  destroy(reason?: Error): void {
    if (this.ended || this.failed) return;
    this.#controller.abort(reason ?? new Error('the response body was discarded'));
  }

  push(chunk: Buffer): void {
    if (this.#discardLimit !== undefined) {
      this.#discarded += chunk.length;
      if (this.#discarded > this.#discardLimit) this.destroy();
      return;
    }
    this.#chunks.push(chunk);
    this.#unread += chunk.length;
    if (this.#unread >= HIGH_WATER_BYTES) this.#controller.pause();
  }

  end(): void {
    this.#chunks.end();
    this.#stopDiscarding?.();
  }

  fail(error: Error): void {
    this.#chunks.fail(error);
    this.#stopDiscarding?.();
  }
}

/**
 * The dispatch handler: resolves with the status, headers and body once the response starts, or
 * rejects when the request fails before that. `signal` aborts the request at any point. (A class,
 * so that thousands of open requests share its methods.)
 */
export class BodyDispatchHandler implements Dispatcher.DispatchHandler {
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (head: UpstreamHead) => void;
  readonly #reject: (error: Error) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #body: UpstreamBody | undefined;
  readonly #onAbort = () => this.#controller?.abort(abortReason(this.#signal));

  constructor(
    signal: AbortSignal | undefined,
    resolve: (head: UpstreamHead) => void,
    reject: (error: Error) => void,
  ) {
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal?.aborted === true) controller.abort(abortReason(this.#signal));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: object): void {
    if (statusCode < 200) return; // 1xx: the real answer follows
    // undici keeps the raw header Buffers (one per name and value) on the controller for the whole
    // response; `headers` is their parsed copy, so an open stream need not hold both.
    controller.rawHeaders = null;
    this.#body = new UpstreamBody(controller);
    this.#resolve({ status: statusCode, headers: headers as ResponseHeaders, body: this.#body });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#body?.push(chunk);
  }

  onResponseEnd(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.#body === undefined) this.#reject(error);
    else this.#body.fail(error);
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('the request was aborted');
}
