/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the models this server routes (the default model,
 * routes and deployments of the config file) and those the upstreams list; a name Parley does not
 * route is OpenAI's 404 (`model_not_found`).
 */

import { Type } from 'typebox';
import type { Completions } from '../../conversations/completions.ts';
import { ParleyError } from '../../errors.ts';
import type { OpenAIApp } from './openai-app.ts';
import type { UpstreamModelLists } from './upstream-model-lists.ts';

const toModelObject = (model: { id: string; provider: string }) => ({
  id: model.id,
  object: 'model' as const,
  created: 0,
  owned_by: model.provider,
});

export function registerModelsRoutes(
  app: OpenAIApp,
  completions: Completions,
  upstreamLists: UpstreamModelLists,
): void {
  app.get('/models', async () => {
    const models = new Map(completions.listModels().map((model) => [model.id, model]));
    for (const { provider, models: ids } of await upstreamLists.lists()) {
      for (const id of ids) if (!models.has(id)) models.set(id, { id, provider });
    }
    return { object: 'list', data: [...models.values()].map(toModelObject) };
  });

  app.get(
    '/models/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 200 }) }) } },
    async (request) => {
      const { id } = request.params;
      const model = await findRoutedModel(completions, upstreamLists, id);
      if (model === undefined)
        throw new ParleyError('MODEL_NOT_FOUND', `The model '${id}' does not exist`, { param: 'model' });
      return toModelObject(model);
    },
  );
}

/**
 * The model a name routes to: the default model, a route or deployment of the config file, or a
 * model the upstream that would serve the name lists. A name only claimed (by a provider that
 * takes any name, or whose list could not be read) is not routed: nothing says it exists.
 */
async function findRoutedModel(
  completions: Completions,
  upstreamLists: UpstreamModelLists,
  id: string,
): Promise<{ id: string; provider: string } | undefined> {
  const listed = completions.listModels().find((model) => model.id === id);
  if (listed !== undefined) return listed;
  let model: ReturnType<Completions['resolve']>['model'];
  try {
    ({ model } = completions.resolve(id));
  } catch {
    return undefined;
  }
  const upstream = (await upstreamLists.lists()).find((list) => list.provider === model.provider);
  return upstream?.models.includes(model.modelId) === true ? { id, provider: model.provider } : undefined;
}
