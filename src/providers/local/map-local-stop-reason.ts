/** Maps why node-llama-cpp stopped generating to the spec's finish reason. */

import type { FinishReason } from '../spec.ts';

/** node-llama-cpp's `LlamaChatResponse['metadata']['stopReason']`. */
export type LocalStopReason =
  | 'eogToken'
  | 'stopGenerationTrigger'
  | 'customStopTrigger'
  | 'functionCalls'
  | 'maxTokens'
  | 'abort';

export function mapLocalStopReason(stopReason: LocalStopReason): FinishReason {
  switch (stopReason) {
    // The model ended its turn, or wrote a stop string (the template's or the caller's).
    case 'eogToken':
    case 'stopGenerationTrigger':
    case 'customStopTrigger':
      return 'stop';
    case 'maxTokens':
      return 'length';
    case 'functionCalls':
      return 'tool-calls';
    case 'abort':
      return 'other';
  }
}
