/**
 * Maps a request's tools and tool choice onto node-llama-cpp's function calling: the functions the
 * model is shown (and may call), and whether it must call one before writing anything else.
 */

import type { ChatModelFunctions } from 'node-llama-cpp';
import type { ToolChoice, ToolDefinition } from '../spec.ts';
import { localError } from './local-error.ts';
import { toGbnfJsonSchema } from './to-gbnf-json-schema.ts';

export interface LlamaFunctionPlan {
  /** Absent: the model writes text only. */
  readonly functions?: ChatModelFunctions;
  /** The model's answer starts with a call (`required`, or a named function). */
  readonly forceCall: boolean;
  /** At most this many calls in one answer (`parallel_tool_calls: false`: one); absent: no limit. */
  readonly maxCalls?: number;
}

/**
 * - `auto` (the default): every tool is offered and the model decides.
 * - `none`: none is offered (earlier calls in the prompt are still shown to it).
 * - `required`: every tool is offered and the answer starts with a call; `{name}`: only that one.
 * @example planLlamaFunctions([{name: 'weather'}], 'required') // {functions: {weather: {}}, forceCall: true}
 */
export function planLlamaFunctions(
  tools: readonly ToolDefinition[] | undefined,
  toolChoice: ToolChoice | undefined,
  parallelToolCalls?: boolean,
): LlamaFunctionPlan {
  if (tools === undefined || tools.length === 0 || toolChoice === 'none') return { forceCall: false };
  let offered = tools;
  if (typeof toolChoice === 'object') {
    offered = tools.filter((tool) => tool.name === toolChoice.name);
    if (offered.length === 0) {
      throw localError(
        `tool_choice names the function '${toolChoice.name}', which is not in tools`,
        'unsupported',
      );
    }
  }
  const functions: Record<string, ChatModelFunctions[string]> = {};
  for (const tool of offered) {
    functions[tool.name] = {
      ...(tool.description === undefined ? {} : { description: tool.description }),
      ...(tool.parameters === undefined ? {} : { params: toGbnfJsonSchema(tool.parameters, tool.name) }),
    };
  }
  return {
    functions,
    forceCall: toolChoice === 'required' || typeof toolChoice === 'object',
    ...(parallelToolCalls === false ? { maxCalls: 1 } : {}),
  };
}
