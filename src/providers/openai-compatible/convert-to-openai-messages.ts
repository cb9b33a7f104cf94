import type { PromptMessage, ResponseFormat, ToolChoice, ToolDefinition } from '../spec.ts';

export type OpenAIMessage =
  | { readonly role: 'system' | 'user'; readonly content: string }
  | {
      readonly role: 'assistant';
      readonly content: string | null;
      readonly tool_calls?: readonly {
        id: string;
        type: 'function';
        function: { name: string; arguments: string };
      }[];
    }
  | { readonly role: 'tool'; readonly content: string; readonly tool_call_id: string };

/** The prompt as OpenAI's `messages`, tool calls and tool results included. */
export function convertToOpenAIMessages(prompt: readonly PromptMessage[]): OpenAIMessage[] {
  return prompt.map((message): OpenAIMessage => {
    switch (message.role) {
      case 'tool':
        if (message.toolCallId === undefined)
          throw new TypeError('a tool message needs the id of the call it answers');
        return { role: 'tool', content: message.content, tool_call_id: message.toolCallId };
      case 'assistant':
        if (message.toolCalls === undefined || message.toolCalls.length === 0) {
          return { role: 'assistant', content: message.content };
        }
        return {
          role: 'assistant',
          content: message.content === '' ? null : message.content,
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
        };
      default:
        return { role: message.role, content: message.content };
    }
  });
}

export function convertToOpenAITools(tools: readonly ToolDefinition[]) {
  return tools.map((tool) => ({
    type: 'function' as const,
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      ...(tool.parameters === undefined ? {} : { parameters: tool.parameters }),
      ...(tool.strict === undefined ? {} : { strict: tool.strict }),
    },
  }));
}

export function convertToOpenAIToolChoice(choice: ToolChoice) {
  return typeof choice === 'string' ? choice : { type: 'function' as const, function: { name: choice.name } };
}

export function convertToOpenAIResponseFormat(format: ResponseFormat) {
  if (format.type !== 'json_schema') return { type: format.type };
  return {
    type: 'json_schema' as const,
    json_schema: {
      name: format.name,
      ...(format.schema === undefined ? {} : { schema: format.schema }),
      ...(format.description === undefined ? {} : { description: format.description }),
      ...(format.strict === undefined ? {} : { strict: format.strict }),
    },
  };
}
