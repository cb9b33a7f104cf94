/**
 * The providers Parley knows: one line each. Adding a provider is its folder (with a
 * `definition.ts`, see `provider-definition.ts`) plus a line here.
 *
 * The order matters where names are not claimed: a name that no prefix or claim settles goes to
 * the first provider of this list set up by the environment that takes every name, and that
 * provider's default model is the default one.
 */

import { anthropic } from './anthropic/definition.ts';
import { chatgptWeb } from './chatgpt-web/definition.ts';
import { local } from './local/definition.ts';
import { openaiCompatible } from './openai-compatible/definition.ts';
import type { ProviderDefinition } from './provider-definition.ts';

export const PROVIDERS: readonly ProviderDefinition[] = [openaiCompatible, chatgptWeb, anthropic, local];
