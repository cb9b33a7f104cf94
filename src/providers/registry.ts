/**
 * The model registry: turns a model name from a request into the `ChatModel` that serves it.
 *
 * 1. A route of the config file (`routes.<name>`): a `RoutedChatModel` over its deployments.
 * 2. A deployment's own name: that deployment alone.
 * 3. Otherwise the providers set up by environment variables alone: a name may say its provider
 *    (`anthropic/…`, `chatgpt-web/…`, `local/…`); `claude…` goes to Anthropic; the local model's
 *    name to the local engine; anything else to the OpenAI-compatible provider, else to ChatGPT's
 *    web backend, else Anthropic, else the local engine — whichever is configured.
 */

import type { Config } from '../config/config.ts';
import type { DeploymentConfig } from '../config/routing-config.ts';
import { defaultModelId } from './local/resolve-model-path.ts';
import { createProviderModel, type ProviderModelSpec } from './provider-factory.ts';
import { DeploymentHealth } from './routing/deployment-health.ts';
import { type AttemptListener, RoutedChatModel } from './routing/routed-chat-model.ts';
import type { ChatModel } from './spec.ts';

/** The model OpenAI serves when nothing names one; other upstreams need `PARLEY_DEFAULT_MODEL`. */
export const OPENAI_FALLBACK_MODEL = 'gpt-4o-mini';
export const ANTHROPIC_FALLBACK_MODEL = 'claude-sonnet-4-5';
/** ChatGPT's web backend picks the account's default model for `auto`. */
export const CHATGPT_WEB_FALLBACK_MODEL = 'auto';

export interface ModelRegistry {
  /** The model used when neither the request nor the conversation names one; undefined with no provider. */
  readonly defaultModel: string | undefined;
  /** The model for a name, or undefined when no provider serves it. */
  resolve(modelName: string): ChatModel | undefined;
  /** What to tell an operator when no provider is configured. */
  readonly setupAdvice: string;
  /** True when some model keeps conversations upstream (titles and deletes are echoed there). */
  readonly keepsUpstreamThreads?: boolean;
  /** The names to list on `/v1/models` besides the default model (routes of the config file). */
  readonly listed?: readonly string[];
  /** Adds a listener told of every attempt a routed model makes (metrics, logs). */
  observeAttempts?(listener: AttemptListener): void;
}

export const NO_PROVIDER_ADVICE =
  'no model provider is configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for DeepSeek, Qwen, Ollama, vLLM, ' +
  'llama.cpp server, ...), ANTHROPIC_API_KEY, CHATGPT_ACCESS_TOKEN or PARLEY_LOCAL_MODEL (and ' +
  'PARLEY_DEFAULT_MODEL), or routes in PARLEY_CONFIG, then restart';

/** One provider set up by environment variables alone. */
interface DirectProvider {
  readonly prefix: string;
  readonly defaultModel: string;
  readonly make: (modelId: string) => ChatModel;
}

/** Builds the registry from the frozen config. Model objects are cheap: one is made per call. */
export function createModelRegistry(config: Config): ModelRegistry {
  const attemptListeners: AttemptListener[] = [];
  const onAttempt: AttemptListener = (route, attempt, index) => {
    for (const listener of attemptListeners) listener(route, attempt, index);
  };
  const direct = directProviders(config);
  const health = new DeploymentHealth(config.routing);
  const deployments = new Map(config.deployments.map((deployment) => [deployment.name, deployment]));
  const routes = new Map(config.routes.map((route) => [route.name, route]));
  const deploymentModel = (deployment: DeploymentConfig) => createProviderModel(deployment, config);
  const target = (name: string) => {
    const deployment = deployments.get(name);
    if (deployment === undefined) throw new Error(`unknown deployment ${name}`);
    return { name, weight: deployment.weight, model: deploymentModel(deployment) };
  };

  const resolveDirect = (modelName: string): ChatModel | undefined => {
    const slash = modelName.indexOf('/');
    const named = direct.find((provider) => provider.prefix === modelName.slice(0, slash));
    if (slash > 0 && named !== undefined) return named.make(modelName.slice(slash + 1));
    const anthropic = direct.find((provider) => provider.prefix === 'anthropic');
    if (anthropic !== undefined && modelName.startsWith('claude')) return anthropic.make(modelName);
    const local = direct.find((provider) => provider.prefix === 'local');
    if (local !== undefined && modelName === local.defaultModel) return local.make(modelName);
    return direct[0]?.make(modelName);
  };

  const firstRoute = config.routes[0]?.name;
  return {
    defaultModel: config.defaultModel ?? direct[0]?.defaultModel ?? firstRoute,
    setupAdvice: NO_PROVIDER_ADVICE,
    keepsUpstreamThreads:
      config.chatgptWeb !== undefined ||
      config.deployments.some((deployment) => deployment.provider === 'chatgpt-web'),
    listed: config.routes.map((route) => route.name),
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
      return resolveDirect(modelName);
    },
  };
}

/** The providers the environment sets up, in the order that unprefixed names fall to them. */
function directProviders(config: Config): DirectProvider[] {
  const providers: DirectProvider[] = [];
  const add = (prefix: string, defaultModel: string, spec: Omit<ProviderModelSpec, 'model'>) =>
    providers.push({
      prefix,
      defaultModel,
      make: (modelId) => createProviderModel({ ...spec, model: modelId }, config),
    });
  const { openai, chatgptWeb, anthropic, localModel } = config;
  if (openai !== undefined) {
    // No prefix: OpenAI-compatible routers (OpenRouter) take names like `openai/gpt-4o` themselves.
    add('', OPENAI_FALLBACK_MODEL, {
      provider: 'openai-compatible',
      baseUrl: openai.baseUrl,
      ...(openai.apiKey === undefined ? {} : { apiKey: openai.apiKey }),
    });
  }
  if (chatgptWeb !== undefined) {
    add('chatgpt-web', CHATGPT_WEB_FALLBACK_MODEL, {
      provider: 'chatgpt-web',
      baseUrl: chatgptWeb.baseUrl,
      apiKey: chatgptWeb.accessToken,
    });
  }
  if (anthropic !== undefined) {
    add('anthropic', ANTHROPIC_FALLBACK_MODEL, {
      provider: 'anthropic',
      baseUrl: anthropic.baseUrl,
      apiKey: anthropic.apiKey,
    });
  }
  if (localModel !== undefined) {
    // One file, whatever name reached it.
    providers.push({
      prefix: 'local',
      defaultModel: defaultModelId(localModel),
      make: () => createProviderModel({ provider: 'local', model: localModel }, config),
    });
  }
  return providers;
}
