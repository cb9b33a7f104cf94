/** Function tools and the tool choice in the Messages API's shape (`tools`, `tool_choice`). */

import type { ToolChoice, ToolDefinition } from '../spec.ts';

export interface AnthropicTool {
  readonly name: string;
  readonly description?: string;
  readonly input_schema: unknown;
}

export type AnthropicToolChoice =
  | { readonly type: 'auto' | 'any'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'tool'; readonly name: string; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'none' };

/** Anthropic requires an input schema; a tool that takes nothing gets the empty object's. */
const NO_INPUT = { type: 'object', properties: {} } as const;

export function convertToAnthropicTools(tools: readonly ToolDefinition[]): AnthropicTool[] {
  return tools.map((tool) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input_schema: tool.parameters ?? NO_INPUT,
  }));
}

/**
 * OpenAI's choice in Anthropic's terms: `required` is `any`, a named function is `tool`. Parallel
 * calls are turned off inside the choice (`disable_parallel_tool_use`), so `parallelToolCalls:
 * false` alone still sends one (`auto`).
 */
export function convertToAnthropicToolChoice(
  choice: ToolChoice | undefined,
  parallelToolCalls: boolean | undefined,
): AnthropicToolChoice | undefined {
  const single = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === undefined) return parallelToolCalls === false ? { type: 'auto', ...single } : undefined;
  if (choice === 'auto') return { type: 'auto', ...single };
  if (choice === 'required') return { type: 'any', ...single };
  return { type: 'tool', name: choice.name, ...single };
}
