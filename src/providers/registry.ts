/**
 * The model registry: turns a model name from a request into the `ChatModel` that serves it. It is
 * built from a list of provider definitions (`providers.ts`) and knows no provider by name.
 *
 * 1. A route of the config file (`routes.<name>`): a `RoutedChatModel` over its deployments.
 * 2. A deployment's own name: that deployment alone.
 * 3. Otherwise the providers set up by environment variables alone: a name may say its provider
 *    by its prefix (`anthropic/…`, `chatgpt-web/…`, `local/…`); a provider may claim a name
 *    (`claude…` for Anthropic, the local model's name for the local engine); anything else goes
 *    to the first provider of the list set up that takes every name.
 */

import { type Config, ConfigError } from '../config/config.ts';
import { type Environment, EnvironmentReader } from '../config/environment-reader.ts';
import type { DeploymentConfig } from '../config/routing-config.ts';
import type { ConfiguredProvider, EnvironmentProvider, ProviderDefinition } from './provider-definition.ts';
import { PROVIDERS } from './providers.ts';
import { DeploymentHealth } from './routing/deployment-health.ts';
import { type AttemptListener, RoutedChatModel } from './routing/routed-chat-model.ts';
import type { ChatModel } from './spec.ts';

export interface ModelRegistry {
  /** The model used when neither the request nor the conversation names one; undefined with no provider. */
  readonly defaultModel: string | undefined;
  /** The model for a name, or undefined when no provider serves it. */
  resolve(modelName: string): ChatModel | undefined;
  /** What to tell an operator when no provider is configured. */
  readonly setupAdvice: string;
  /** True when some model keeps conversations upstream (titles and deletes are echoed there). */
  readonly keepsUpstreamThreads?: boolean;
  /** The names to list on `/v1/models` besides the default model (routes and deployments of the config file). */
  readonly listed?: readonly string[];
  /**
   * The models of each provider set up whose upstream can list them (failures come back as
   * such, so one upstream down leaves the others listed).
   */
  listProviderModels?(signal?: AbortSignal): Promise<readonly ProviderModels[]>;
  /** Adds a listener told of every attempt a routed model makes (metrics, logs). */
  observeAttempts?(listener: AttemptListener): void;
  /** The context window its providers know for a model name, in tokens, or undefined. */
  contextWindow?(modelName: string): number | undefined;
  /** Starts what the providers load ahead of the first request; each promise says how it went. */
  warmUp?(): readonly { readonly provider: string; readonly model: string; readonly loaded: Promise<void> }[];
  /** Releases what the providers hold in the process (the local engine), when the server closes. */
  shutdown?(): Promise<void>;
}

/** One provider's upstream model list, or why it could not be read. */
export type ProviderModels =
  | { readonly provider: string; readonly models: readonly string[] }
  | { readonly provider: string; readonly error: unknown };

/** The advice when no provider is set up: each provider's hint, in the list's order. */
export function setupAdviceFor(definitions: readonly ProviderDefinition[]): string {
  const hints = definitions.map((definition) => definition.setupHint);
  const listed = hints.length > 1 ? `${hints.slice(0, -1).join(', ')} or ${hints.at(-1)}` : (hints[0] ?? '');
  return `no model provider is configured: set ${listed}, or routes in PARLEY_CONFIG, then restart`;
}

interface Provider {
  readonly definition: ProviderDefinition;
  readonly configured: ConfiguredProvider;
}

/** A provider the environment set up. */
interface SetUp {
  readonly definition: ProviderDefinition;
  readonly environment: EnvironmentProvider;
}

/**
 * Builds the registry from the frozen config and the provider definitions; model objects are
 * cheap: one is made per call. Throws a `ConfigError` naming each bad provider variable, and each
 * deployment whose provider is unknown or lacks the key it needs.
 */
export function createModelRegistry(
  config: Config,
  definitions: readonly ProviderDefinition[] = PROVIDERS,
): ModelRegistry {
  const providers = configureProviders(config, definitions);
  const setUp: SetUp[] = [];
  for (const { definition, configured } of providers.values())
    if (configured.environment !== undefined) setUp.push({ definition, environment: configured.environment });

  const attemptListeners: AttemptListener[] = [];
  const onAttempt: AttemptListener = (route, attempt, index) => {
    for (const listener of attemptListeners) listener(route, attempt, index);
  };
  const health = new DeploymentHealth(config.routing);
  const deployments = new Map(config.deployments.map((deployment) => [deployment.name, deployment]));
  const routes = new Map(config.routes.map((route) => [route.name, route]));
  const deploymentModel = (deployment: DeploymentConfig): ChatModel => {
    const provider = providers.get(deployment.provider);
    if (provider === undefined) throw new Error(`unknown provider ${deployment.provider}`);
    return provider.configured.createModel(deployment);
  };
  const target = (name: string) => {
    const deployment = deployments.get(name);
    if (deployment === undefined) throw new Error(`unknown deployment ${name}`);
    return { name, weight: deployment.weight, model: deploymentModel(deployment) };
  };

  const resolveBySetUp = (modelName: string): ChatModel | undefined => {
    const slash = modelName.indexOf('/');
    if (slash > 0) {
      const prefix = modelName.slice(0, slash);
      const named = setUp.find(({ definition }) => definition.prefix === prefix);
      if (named !== undefined) return named.environment.createModel(modelName.slice(slash + 1));
    }
    const claimer = setUp.find(({ environment }) => environment.claims?.(modelName) === true);
    if (claimer !== undefined) return claimer.environment.createModel(modelName);
    return setUp.find(({ definition }) => definition.takesEveryName)?.environment.createModel(modelName);
  };

  const windows = definitions.flatMap((definition) => definition.contextWindows);
  const threaded = (name: string) => providers.get(name)?.definition.keepsUpstreamThreads === true;
  return {
    defaultModel: config.defaultModel ?? setUp[0]?.environment.defaultModel ?? config.routes[0]?.name,
    setupAdvice: setupAdviceFor(definitions),
    keepsUpstreamThreads:
      setUp.some(({ definition }) => definition.keepsUpstreamThreads) ||
      config.deployments.some((deployment) => threaded(deployment.provider)),
    listed: [
      ...config.routes.map((route) => route.name),
      ...config.deployments.map((deployment) => deployment.name),
    ],
    listProviderModels: (signal) =>
      Promise.all(
        setUp.flatMap(({ definition, environment }) => {
          const { listModels } = environment;
          if (listModels === undefined) return [];
          return [
            listModels(signal).then(
              (models) => ({ provider: definition.name, models }),
              (error: unknown) => ({ provider: definition.name, error }),
            ),
          ];
        }),
      ),
    observeAttempts(listener) {
      attemptListeners.push(listener);
    },
    resolve(modelName) {
      const route = routes.get(modelName);
      if (route !== undefined) {
        return new RoutedChatModel({
          route: route.name,
          deployments: route.deployments.map(target),
          fallbacks: route.fallbacks.map(target),
          health,
          routing: config.routing,
          onAttempt,
        });
      }
      const deployment = deployments.get(modelName);
      if (deployment !== undefined) return deploymentModel(deployment);
      return resolveBySetUp(modelName);
    },
    contextWindow(modelName) {
      const name = modelName.toLowerCase();
      let best: readonly [string, number] | undefined;
      for (const entry of windows)
        if (name.startsWith(entry[0]) && entry[0].length > (best?.[0].length ?? 0)) best = entry;
      return best?.[1];
    },
    warmUp: () =>
      setUp.flatMap(({ definition, environment }) =>
        environment.warmUp === undefined
          ? []
          : [{ provider: definition.name, model: environment.defaultModel, loaded: environment.warmUp() }],
      ),
    async shutdown() {
      await Promise.allSettled(definitions.map((definition) => definition.shutdown?.()));
    },
  };
}

/**
 * The problems of the providers' own variables alone, for a start the config stopped before the
 * registry was built (so that one message names every bad variable).
 */
export function providerVariableProblems(
  environment: Environment,
  definitions: readonly ProviderDefinition[] = PROVIDERS,
): string[] {
  const problems: string[] = [];
  const reader = new EnvironmentReader(environment, problems);
  for (const definition of definitions) definition.configure(reader);
  return problems;
}

/** Each definition configured from the environment, by name; the deployments checked against them. */
function configureProviders(
  config: Config,
  definitions: readonly ProviderDefinition[],
): ReadonlyMap<string, Provider> {
  const problems: string[] = [];
  const reader = new EnvironmentReader(config.environment, problems);
  const providers = new Map<string, Provider>();
  for (const definition of definitions) {
    if (providers.has(definition.name)) throw new Error(`two providers are named ${definition.name}`);
    providers.set(definition.name, { definition, configured: definition.configure(reader) });
  }
  const inFile = (problem: string) => problems.push(`PARLEY_CONFIG: ${config.configFile}: ${problem}`);
  for (const deployment of config.deployments) {
    const definition = providers.get(deployment.provider)?.definition;
    if (definition === undefined)
      inFile(`deployments.${deployment.name}.provider: must be one of ${[...providers.keys()].join(', ')}`);
    else if (definition.needsKey && deployment.apiKey === undefined)
      inFile(`deployments.${deployment.name}: the ${definition.name} provider needs api_key or api_key_env`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return providers;
}
