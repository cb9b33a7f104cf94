import { toBase64, toDataUrl } from '../shared/data-url.ts';
import {
  type PromptMessage,
  type PromptPart,
  ProviderError,
  type ResponseFormat,
  type ToolChoice,
  type ToolDefinition,
} from '../spec.ts';
import { PROVIDER } from './openai-error.ts';

/** A part of a user message's content array (Chat Completions). */
export type OpenAIContentPart =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'image_url'; readonly image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
  | { readonly type: 'file'; readonly file: { filename: string; file_data: string } }
  | { readonly type: 'input_audio'; readonly input_audio: { data: string; format: 'wav' | 'mp3' } };

/** A participant's name, on the roles OpenAI takes one on. */
type Named = { readonly name?: string };

export type OpenAIMessage =
  | ({ readonly role: 'system'; readonly content: string } & Named)
  | ({ readonly role: 'user'; readonly content: string | readonly OpenAIContentPart[] } & Named)
  | ({
      readonly role: 'assistant';
      readonly content: string | null;
      /** With tool calls: the reasoning that led to them, as DeepSeek requires it back. */
      readonly reasoning_content?: string;
      readonly tool_calls?: readonly {
        id: string;
        type: 'function';
        function: { name: string; arguments: string };
      }[];
    } & Named)
  | { readonly role: 'tool'; readonly content: string; readonly tool_call_id: string };

/** The prompt as OpenAI's `messages`, tool calls and tool results included. */
export function convertToOpenAIMessages(prompt: readonly PromptMessage[]): OpenAIMessage[] {
  return prompt.map((message): OpenAIMessage => {
    const named = message.name === undefined ? {} : { name: message.name };
    switch (message.role) {
      case 'tool':
        if (message.toolCallId === undefined)
          throw new TypeError('a tool message needs the id of the call it answers');
        return { role: 'tool', content: message.content, tool_call_id: message.toolCallId };
      case 'assistant': {
        if (message.toolCalls === undefined || message.toolCalls.length === 0) {
          return { role: 'assistant', content: message.content, ...named };
        }
        return {
          role: 'assistant',
          content: message.content === '' ? null : message.content,
          ...named,
          ...reasoningContentOf(message),
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
        };
      }
      case 'user':
        return {
          role: 'user',
          content: message.parts === undefined ? message.content : message.parts.flatMap(toContentPart),
          ...named,
        };
      default:
        return { role: message.role, content: message.content, ...named };
    }
  });
}

/**
 * The reasoning of an assistant message that called tools, as `reasoning_content`: DeepSeek's
 * thinking mode requires it back on such a turn (a 400 without it) and ignores it elsewhere, so it
 * is sent only there, and only reasoning as these upstreams give it (text without another
 * provider's opaque payload, such as Anthropic's signed thinking): upstreams that know no such
 * field (OpenAI's own validates every field) never see it on a plain answer.
 */
function reasoningContentOf(message: PromptMessage): { reasoning_content?: string } {
  const text = (message.parts ?? [])
    .map((part) => (part.type === 'reasoning' && part.encrypted === undefined ? part.text : ''))
    .join('');
  return text === '' ? {} : { reasoning_content: text };
}

/** One part as a content-array entry; reasoning and refusals are the model's own and not sent back here. */
function toContentPart(part: PromptPart): OpenAIContentPart[] {
  switch (part.type) {
    case 'text':
      return [{ type: 'text', text: part.text }];
    case 'image': {
      const url = 'url' in part ? part.url : toDataUrl(part.mediaType, part.data);
      return [
        {
          type: 'image_url',
          image_url: { url, ...(part.detail === undefined ? {} : { detail: part.detail }) },
        },
      ];
    }
    case 'file':
      return [
        { type: 'file', file: { filename: part.filename, file_data: toDataUrl(part.mediaType, part.data) } },
      ];
    case 'audio':
      return [
        {
          type: 'input_audio',
          input_audio: { data: toBase64(part.data), format: audioFormat(part.mediaType) },
        },
      ];
    default:
      return [];
  }
}

/** OpenAI's name for an audio media type; the edges take only these two. */
function audioFormat(mediaType: string): 'wav' | 'mp3' {
  if (mediaType === 'audio/wav') return 'wav';
  if (mediaType === 'audio/mpeg') return 'mp3';
  throw new ProviderError(`the ${PROVIDER} provider takes audio as wav or mp3, not ${mediaType}`, {
    kind: 'unsupported',
    provider: PROVIDER,
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
