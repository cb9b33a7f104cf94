/**
 * The native API's JSON as the CLI reads it (snake_case, times in Unix seconds): only the fields
 * the commands use. The server's own schemas are in src/http/native/.
 */

export interface ApiConversation {
  readonly id: string;
  readonly title: string | null;
  readonly model: string | null;
  readonly current_node: string | null;
  readonly system_prompt: string | null;
  readonly created_at: number;
  readonly updated_at: number;
}

export interface ApiMessage {
  readonly id: string;
  readonly parent_id: string | null;
  readonly children: readonly string[];
  readonly role: string;
  readonly content: string;
  readonly status: string;
  readonly model: string | null;
  readonly error: string | null;
  readonly deleted?: boolean;
  readonly created_at: number;
}

export interface ApiConversationWithMessages extends ApiConversation {
  readonly messages: readonly ApiMessage[];
}

export interface ApiList<T> {
  readonly data: readonly T[];
  readonly has_more?: boolean;
}

export interface ApiSearchHit {
  readonly kind: string;
  readonly conversation_id: string;
  readonly conversation_title: string | null;
  readonly message_id: string | null;
  readonly snippet: string;
}

/** One event of a streamed answer (`start`, `delta`s, then `done` or `error`). */
export type AnswerEvent =
  | { readonly type: 'start'; readonly conversation_id: string; readonly message_id: string }
  | { readonly type: 'delta'; readonly delta: string }
  | {
      readonly type: 'done';
      readonly conversation_id: string;
      readonly question_id: string;
      readonly message: ApiMessage | null;
    }
  | { readonly type: 'error'; readonly code: string; readonly message: string };
