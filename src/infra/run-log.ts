/**
 * A run log: the numbered events of one generation, kept so that any number of followers can read
 * them — from the start or after the last sequence number they saw — then live until the run ends.
 * In one process the log lives in memory (`MemoryRunLog`); replicas share it through Redis
 * (`redis-run-log.ts`). The log knows only that an event has a sequence number.
 */

export interface SequencedEvent {
  readonly sequence: number;
}

/** A finished run's events in a compact form, read back one by one exactly as they were appended. */
export interface PackedEvents<E> {
  readonly length: number;
  at(index: number): E | undefined;
}

/**
 * Packs a finished run's events (kept for the retention time) into less memory. Reading the
 * packed events must give back the same events, in order, as the ones appended.
 */
export type EventPacker<E> = (events: readonly E[]) => PackedEvents<E>;

/** A finished run's events as text and back (what a run log shared through Redis keeps). */
export interface EventCodec<E> {
  encode(events: PackedEvents<E>): string;
  /** The events exactly as appended; throws on text it did not write. */
  decode(text: string): PackedEvents<E>;
}

export interface RunLog<E extends SequencedEvent> {
  /**
   * Makes the run known before its first event, so followers wait for it instead of finding
   * nothing. Opening a run id whose earlier run has ended (a continued answer) starts it afresh.
   */
  open(runId: string): void;
  append(runId: string, event: E): void;
  /** No more events will come; the log is kept for the retention time so late followers can replay it. */
  end(runId: string): void;
  /** True while the log holds this run (running, or ended within the retention time). */
  has(runId: string): Promise<boolean>;
  /** Events with a sequence above `after`, replayed then live, until the run ends or `signal` fires. */
  read(runId: string, after: number, signal: AbortSignal): AsyncIterable<E>;
}

interface MemoryRun<E> {
  /** While the run goes on, the events as appended; once it ends, maybe packed. */
  events: E[] | PackedEvents<E>;
  ended: boolean;
  readonly wake: Set<() => void>;
  /** Forgets the run once its retention time has passed. */
  expiry?: NodeJS.Timeout;
}

/**
 * Keeps each run's events in this process, for `retentionMs` after it ends (packed by `pack`,
 * when given, once it ends).
 */
export class MemoryRunLog<E extends SequencedEvent> implements RunLog<E> {
  readonly #runs = new Map<string, MemoryRun<E>>();
  readonly #retentionMs: number;
  readonly #pack: EventPacker<E> | undefined;

  constructor(retentionMs = 10 * 60_000, pack?: EventPacker<E>) {
    this.#retentionMs = retentionMs;
    this.#pack = pack;
  }

  #run(runId: string): MemoryRun<E> {
    let run = this.#runs.get(runId);
    if (run === undefined) {
      run = { events: [], ended: false, wake: new Set() };
      this.#runs.set(runId, run);
    }
    return run;
  }

  open(runId: string): void {
    const earlier = this.#runs.get(runId);
    if (earlier?.ended === true) {
      clearTimeout(earlier.expiry);
      this.#runs.delete(runId);
    }
    this.#run(runId);
  }

  append(runId: string, event: E): void {
    const run = this.#run(runId);
    if (!Array.isArray(run.events)) run.events = unpack(run.events);
    (run.events as E[]).push(event);
    for (const wake of run.wake) wake();
  }

  end(runId: string): void {
    const run = this.#run(runId);
    run.ended = true;
    // Followers read through `run.events` at each step, so swapping it keeps their place.
    if (this.#pack !== undefined && Array.isArray(run.events)) run.events = this.#pack(run.events);
    for (const wake of run.wake) wake();
    run.expiry = setTimeout(() => this.#runs.delete(runId), this.#retentionMs).unref();
  }

  async has(runId: string): Promise<boolean> {
    return this.#runs.has(runId);
  }

  /** The events of a run that has ended (packed, when a packer is set); undefined for any other. */
  endedEvents(runId: string): PackedEvents<E> | undefined {
    const run = this.#runs.get(runId);
    return run?.ended === true ? run.events : undefined;
  }

  async *read(runId: string, after: number, signal: AbortSignal): AsyncIterable<E> {
    const run = this.#runs.get(runId);
    if (run === undefined) return;
    let index = firstAfter(run.events, after);
    while (!signal.aborted) {
      while (index < run.events.length) {
        const event = run.events.at(index);
        index += 1;
        if (event !== undefined) yield event;
        if (signal.aborted) return;
      }
      if (run.ended) return;
      // Wait for the next event, the end, or the follower leaving.
      await new Promise<void>((resolve) => {
        const wake = () => {
          run.wake.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        run.wake.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }
}

/** The index of the first event with a sequence above `after` (events are in sequence order). */
function firstAfter<E extends SequencedEvent>(events: E[] | PackedEvents<E>, after: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events.at(middle)?.sequence ?? Number.POSITIVE_INFINITY) > after) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Packed events as a plain array, in order. */
export function unpack<E>(packed: PackedEvents<E>): E[] {
  const events: E[] = [];
  for (let index = 0; index < packed.length; index++) {
    const event = packed.at(index);
    if (event !== undefined) events.push(event);
  }
  return events;
}
