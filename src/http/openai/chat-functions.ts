/**
 * The deprecated functions API of `/v1/chat/completions` (openai-node still types it, and older
 * clients still send it): `functions` and `function_call` become tools and a tool choice, one
 * call per answer; `role: 'function'` results and assistants' `function_call` in the history
 * become tool results and tool calls; and a request that used `functions` is answered in that
 * form (`message.function_call`, `delta.function_call`, finish reason `function_call`).
 */

import { Type } from 'typebox';
import { badRequest, ParleyError } from '../../errors.ts';
import type { CallOptions, ToolCall } from '../../providers/spec.ts';

export const FunctionDefinitionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const FunctionCallChoiceSchema = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Object({ name: Type.String() }, { additionalProperties: false }),
]);

/** An assistant message's call in the deprecated form. */
export const FunctionCallSchema = Type.Object(
  { name: Type.String(), arguments: Type.String() },
  { additionalProperties: false },
);

interface FunctionsRequest {
  readonly functions?: readonly Type.Static<typeof FunctionDefinitionSchema>[] | undefined;
  readonly function_call?: Type.Static<typeof FunctionCallChoiceSchema> | undefined;
  readonly tools?: readonly unknown[] | undefined;
  readonly tool_choice?: unknown;
}

interface HistoryMessage {
  readonly role: string;
  readonly name?: string | undefined;
  readonly function_call?: Type.Static<typeof FunctionCallSchema> | null | undefined;
}

/** True when the request offers functions the old way, so the answer takes the old form too. */
export function usesFunctions(body: FunctionsRequest): boolean {
  return (body.functions ?? []).length > 0;
}

/** Throws a 400 for a request mixing both APIs, or choosing a function it does not offer. */
export function assertFunctionsRequest(body: FunctionsRequest): void {
  if (usesFunctions(body) && (body.tools ?? []).length > 0) {
    throw badRequest("'functions' and 'tools' cannot be used together: send one of them.", 'functions');
  }
  if (body.function_call !== undefined && body.tool_choice !== undefined) {
    throw badRequest(
      "'function_call' and 'tool_choice' cannot be used together: send one of them.",
      'function_call',
    );
  }
  const choice = body.function_call;
  if (typeof choice === 'object' && !(body.functions ?? []).some((each) => each.name === choice.name)) {
    throw badRequest(
      `'function_call' names the function '${choice.name}', which is not in 'functions'.`,
      'function_call',
    );
  }
}

/** The call options of `functions` and `function_call`: tools, a tool choice, one call at a time. */
export function functionsAsTools(
  body: FunctionsRequest,
): Pick<CallOptions, 'tools' | 'toolChoice' | 'parallelToolCalls'> {
  if (!usesFunctions(body)) return {};
  const choice = body.function_call;
  return {
    tools: (body.functions ?? []).map((each) => ({
      name: each.name,
      ...(each.description === undefined ? {} : { description: each.description }),
      ...(each.parameters === undefined ? {} : { parameters: each.parameters }),
    })),
    ...(choice === undefined
      ? {}
      : { toolChoice: typeof choice === 'string' ? choice : { name: choice.name } }),
    // The deprecated form holds one call per answer.
    parallelToolCalls: false,
  };
}

/**
 * The call ids of the history's deprecated calls and results, by message index (the old API has
 * none): an assistant's `function_call` gets `call_fn` + its index, and a `function` message the id
 * of the latest unanswered call of the function it names, or a 400 when there is none.
 */
export function functionCallIds(messages: readonly HistoryMessage[]): ReadonlyMap<number, string> {
  const ids = new Map<number, string>();
  const unanswered: { readonly name: string; readonly id: string }[] = [];
  messages.forEach((message, index) => {
    const at = `messages[${index}]`;
    if (message.role === 'assistant' && message.function_call != null) {
      const id = `call_fn${index}`;
      ids.set(index, id);
      unanswered.push({ name: message.function_call.name, id });
    } else if (message.role === 'function') {
      if (message.name === undefined) {
        throw badRequest(`Missing required parameter: '${at}.name'.`, `${at}.name`);
      }
      const call = unanswered.findLastIndex((each) => each.name === message.name);
      const id = unanswered[call]?.id;
      if (id === undefined) {
        throw badRequest(
          `'${at}' is the result of the function '${message.name}', but no assistant message before it calls that function (function_call).`,
          at,
        );
      }
      ids.set(index, id);
      unanswered.splice(call, 1);
    }
  });
  return ids;
}

/** The one call of an answer in the deprecated form; more than one cannot be said in it. */
export function toFunctionCall(calls: readonly ToolCall[]): { name: string; arguments: string } {
  const [call] = calls;
  if (call === undefined || calls.length > 1) throw tooManyCalls(calls.length);
  return { name: call.name, arguments: call.arguments };
}

/** The `delta.function_call` of a streamed call's piece (`index` says which call). */
export function functionCallDelta(piece: {
  readonly index: number;
  readonly name?: string | undefined;
  readonly argumentsDelta: string;
}): { name?: string; arguments: string } {
  if (piece.index > 0) throw tooManyCalls(piece.index + 1);
  return { ...(piece.name === undefined ? {} : { name: piece.name }), arguments: piece.argumentsDelta };
}

function tooManyCalls(count: number): ParleyError {
  return new ParleyError(
    'UPSTREAM_ERROR',
    `the model made ${count} function calls, but the deprecated 'functions' API holds one per answer: send 'tools' instead`,
  );
}
