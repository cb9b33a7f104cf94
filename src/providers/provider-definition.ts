/**
 * What a provider says of itself, so the registry needs no switch over provider names: each
 * provider's folder exports one `ProviderDefinition` (`<name>/definition.ts`) and
 * `providers.ts` lists them. Adding a provider is a folder plus a line there.
 */

import type { EnvironmentReader } from '../config/environment-reader.ts';
import type { ChatModel, ModelCapabilities } from './spec.ts';

/** One upstream model, as a deployment of the config file (or the environment) names it. */
export interface ModelTarget {
  /** The upstream's model id; for `local`, a GGUF path or an `hf:` URI. */
  readonly model: string;
  readonly baseUrl?: string;
  /** An API key, or for `chatgpt-web` an access token. */
  readonly apiKey?: string;
}

/** A provider the environment alone set up: it serves model names with no config file. */
export interface EnvironmentProvider {
  /** The model used when nothing names one and this is the first provider of the list set up. */
  readonly defaultModel: string;
  /** True for a name this provider serves whatever comes before it in the list (`claude…`). */
  claims?(modelName: string): boolean;
  /** The model for an upstream model id (the name without this provider's prefix). */
  createModel(modelId: string): ChatModel;
  /** Work to start at start-up rather than on the first request (the local engine's model load). */
  warmUp?(): Promise<void>;
  /** The model ids its upstream serves, where the upstream can list them (for `/v1/models`). */
  listModels?(signal?: AbortSignal): Promise<readonly string[]>;
}

/** A provider as configured: what the environment set up, and how deployments are built. */
export interface ConfiguredProvider {
  /** Absent when the provider's variables are unset (deployments may still use it). */
  readonly environment?: EnvironmentProvider;
  /** Builds the model a deployment of the config file names. */
  createModel(target: ModelTarget): ChatModel;
}

/** Context windows in tokens by model name prefix, lower case (the longest matching prefix wins). */
export type ContextWindowTable = readonly (readonly [prefix: string, tokens: number])[];

export interface ProviderDefinition {
  /** The name deployments give as `provider:` and models report as `ChatModel.provider`. */
  readonly name: string;
  /**
   * `<prefix>/<model>` names this provider whatever else is set up (`anthropic/claude-haiku-4-5`);
   * the model id sent upstream is what follows the slash. Absent: no prefix.
   */
  readonly prefix?: string;
  /**
   * True when it serves every name no provider claims, if it is the first provider of the list
   * set up by the environment (the list's order decides).
   */
  readonly takesEveryName: boolean;
  /** What to set to use it, for the advice logged (and answered) when no provider is set up. */
  readonly setupHint: string;
  /**
   * Reads its variables (each read through `reader`, so a bad value is a start-up problem naming
   * the variable) and returns the configured provider.
   */
  configure(reader: EnvironmentReader): ConfiguredProvider;
  /** True when a deployment of it must give `api_key` or `api_key_env`. */
  readonly needsKey: boolean;
  /** The windows of the models it serves, for names the config file's `models` does not set. */
  readonly contextWindows: ContextWindowTable;
  /** What its models can do beyond text (each of its models reports the same). */
  readonly capabilities: ModelCapabilities;
  /** True when its upstream keeps conversations itself (titles and deletes are echoed there). */
  readonly keepsUpstreamThreads: boolean;
  /** Releases what its models hold in the process (the local engine), when the server closes. */
  shutdown?(): Promise<void>;
}
