/**
 * The events of one generation, from the model to the HTTP encoders: one type all the way. Each
 * carries only what is new (a delta), never the text so far; an encoder that needs the text so
 * far (the seed's cumulative `message`) keeps it itself. Every event has a sequence number,
 * increasing from 1, which streams send as the SSE id so a client can resume after the last one
 * it saw.
 */

import type { ErrorCode } from '../errors.ts';
import type { FinishReason, TokenLogprob, Usage } from '../providers/spec.ts';
import type { MessageStatus } from '../store/store.ts';

export type GenerationEvent =
  | {
      readonly type: 'text-delta';
      readonly sequence: number;
      readonly delta: string;
      /** The delta's tokens, when the call asked for log probabilities. */
      readonly logprobs?: readonly TokenLogprob[];
    }
  | { readonly type: 'reasoning-delta'; readonly sequence: number; readonly delta: string }
  /** The end of one piece of reasoning, with the provider's opaque payload to pass back with it. */
  | { readonly type: 'reasoning-end'; readonly sequence: number; readonly encrypted?: string }
  /** A piece of a tool call: `index` says which call; `id` and `name` come with its first piece. */
  | {
      readonly type: 'tool-call-delta';
      readonly sequence: number;
      readonly index: number;
      readonly id?: string;
      readonly name?: string;
      readonly argumentsDelta: string;
    }
  /** The answer ended and is stored with this status. */
  | {
      readonly type: 'finish';
      readonly sequence: number;
      readonly status: MessageStatus;
      readonly finishReason: FinishReason;
      readonly usage?: Usage;
    }
  /** The generation failed (or was cancelled); what arrived before is stored. Always the last event. */
  | GenerationFailure;

export interface GenerationFailure {
  readonly type: 'error';
  readonly sequence: number;
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

/** The events a turn yields while it runs; a failure is thrown, and becomes an `error` event in a run. */
export type TurnEvent = Exclude<GenerationEvent, GenerationFailure>;
