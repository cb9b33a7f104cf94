/**
 * Runs: generations that live apart from the connection that started them. A run's events go to
 * a run log (`infra/run-log.ts`: in memory, or shared through Redis), keyed by the answer's id,
 * and any number of followers read them — from the start or after the last sequence number they
 * saw — then live until the run ends. A follower that goes away only stops reading; the
 * generation goes on (so a client can come back and resume) until it ends or is cancelled.
 */

import { ParleyError } from '../errors.ts';
import type { RunLog } from '../infra/run-log.ts';
import type { Store } from '../store/store.ts';
import type { GenerationEvent, GenerationFailure } from './generation-events.ts';
import type { LiveTurns } from './live-turns.ts';
import { toParleyError } from './provider-errors.ts';
import type { Turn } from './turn.ts';

export type RunEvent = GenerationEvent;

/** Where runs keep their events for followers. */
export type RunEventLog = RunLog<RunEvent>;

/** A thrown error as the last event of a run. */
export function failureEvent(error: unknown, sequence: number): GenerationFailure {
  const failure = toParleyError(error);
  return {
    type: 'error',
    sequence,
    code: failure.code,
    status: failure.status,
    message: failure.message,
    ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }),
  };
}

/** The last event of a run whose server died (see the reaper). */
export function abandonedRunFailure(sequence: number): GenerationFailure {
  return {
    type: 'error',
    sequence,
    code: 'UPSTREAM_ERROR',
    status: 502,
    message: 'the server writing this answer stopped; the text so far is kept',
  };
}

/** A failure event as the error a client sees. */
export function failureError(failure: GenerationFailure): ParleyError {
  return new ParleyError(failure.code, failure.message, {
    ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }),
  });
}

/** How long a cancel waits for the answer's final state to be stored. */
const CANCEL_WAIT_MS = 5_000;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

export interface RunsOptions {
  readonly log: RunEventLog;
  readonly live: LiveTurns;
  readonly store: Pick<Store, 'getMessage'>;
  /** Asks the other servers to cancel a run (Redis pub/sub with several replicas). */
  readonly cancelElsewhere?: ((answerId: string) => Promise<void>) | undefined;
}

/** Starting, following and cancelling runs, on this server or (cancels) on another. */
export class Runs {
  readonly #log: RunEventLog;
  readonly #live: LiveTurns;
  readonly #store: Pick<Store, 'getMessage'>;
  readonly #cancelElsewhere: ((answerId: string) => Promise<void>) | undefined;

  constructor(options: RunsOptions) {
    this.#log = options.log;
    this.#live = options.live;
    this.#store = options.store;
    this.#cancelElsewhere = options.cancelElsewhere;
  }

  /**
   * Runs the turn in the background, its events going to the log under its answer's id (a
   * continued answer starts the log afresh), so they can be followed (and resumed) by id until a
   * while after it ends. It stops when it ends, when it is cancelled (`Turn.cancel`) or when the
   * server shuts down; a follower leaving does not stop it.
   */
  start(turn: Turn): string {
    const runId = turn.ids.answerId;
    const log = this.#log;
    // Nothing outside aborts a run: its stopping points are the turn's own (cancel, shutdown).
    const never = new AbortController().signal;
    log.open(runId);
    void (async () => {
      let sequence = 0;
      try {
        for await (const event of turn.stream(never)) {
          sequence = event.sequence;
          log.append(runId, event);
        }
      } catch (error) {
        log.append(runId, failureEvent(error, sequence + 1));
      } finally {
        log.end(runId);
      }
    })();
    return runId;
  }

  /** True while the events of this answer's run can be followed here. */
  has(runId: string): Promise<boolean> {
    return this.#log.has(runId);
  }

  /** The run's events after sequence `after`, replayed then live. */
  follow(runId: string, after: number, signal: AbortSignal): AsyncIterable<RunEvent> {
    return this.#log.read(runId, after, signal);
  }

  /**
   * Stops an answer being written, on this server or another (through `cancelElsewhere`), and
   * waits (a few seconds at most) until its final state is stored. Returns whether it was running.
   */
  async cancel(owner: string, answerId: string): Promise<boolean> {
    const running = this.#live.get(answerId);
    if (running !== undefined) {
      running.cancel();
      await Promise.race([running.settled, sleep(CANCEL_WAIT_MS)]);
      return true;
    }
    const answer = await this.#store.getMessage(owner, answerId);
    if (answer?.status !== 'in_progress' || this.#cancelElsewhere === undefined) return false;
    await this.#cancelElsewhere(answerId);
    for (const deadline = Date.now() + CANCEL_WAIT_MS; Date.now() < deadline; ) {
      await sleep(50);
      if ((await this.#store.getMessage(owner, answerId))?.status !== 'in_progress') break;
    }
    return true;
  }

  /** Cancels a local run named by another server's broadcast (see `cancelElsewhere`). */
  cancelLocal(answerId: string): void {
    this.#live.get(answerId)?.cancel();
  }
}
