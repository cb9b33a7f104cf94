import type { FinishReason } from '../spec.ts';

/**
 * ChatGPT's `message.metadata.finish_details.type` in the provider spec's terms. With no finish
 * details, a message the backend marked finished (`end_turn`) stopped normally.
 * @example mapChatGPTWebFinishReason('max_tokens', false) // 'length'
 */
export function mapChatGPTWebFinishReason(finishType: string | undefined, endTurn: boolean): FinishReason {
  switch (finishType) {
    case 'stop':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case undefined:
      return endTurn ? 'stop' : 'other';
    default:
      // `interrupted` (stopped before its end) and types not known yet.
      return 'other';
  }
}
