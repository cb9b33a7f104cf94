/**
 * The turns this process is generating, by answer id, and the switch that shuts them down. A
 * cancel finds its turn here, a second continue of an answer being written is refused, and a
 * shutdown refuses new turns and stops every one in flight.
 */

import { ParleyError } from '../errors.ts';
import { ShutdownSwitch } from './shutdown-switch.ts';
import type { Turn } from './turn.ts';

export class LiveTurns {
  readonly #turns = new Map<string, Turn>();
  readonly #shutdown = new ShutdownSwitch();

  /** Switched when the server shuts down: every turn's stopping point. */
  get shutdownSwitch(): ShutdownSwitch {
    return this.#shutdown;
  }

  /** Throws once the server is shutting down: no new turn starts then. */
  assertOpen(): void {
    if (this.#shutdown.stopped) throw new ParleyError('SHUTTING_DOWN', 'the server is shutting down');
  }

  /** Holds a turn until it settles (the turn context's `onSettled` calls `release`). */
  track(turn: Turn): Turn {
    this.#turns.set(turn.ids.answerId, turn);
    return turn;
  }

  release(answerId: string): void {
    this.#turns.delete(answerId);
  }

  /** The turn generating this answer here, while it runs. */
  get(answerId: string): Turn | undefined {
    return this.#turns.get(answerId);
  }

  /** Resolves once every turn in flight now has settled, or after `timeoutMs`, whichever comes first. */
  async settled(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.#turns.values()].map((turn) => turn.settled)), timeout]);
    clearTimeout(timer);
  }

  /** Refuses new turns and stops every generation in flight; each stores what it had as `incomplete`. */
  shutdown(): void {
    this.#shutdown.shutdown();
  }
}
