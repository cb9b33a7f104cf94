/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the models this server routes (the default model,
 * routes and deployments of the config file) and those the upstreams list; a name Parley does not
 * route is OpenAI's 404.
 */

import { Type } from 'typebox';
import type { Completions } from '../../conversations/completions.ts';
import type { OpenAIApp } from './openai-app.ts';
import { notFoundError } from './openai-errors.ts';
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
      const listed = completions.listModels().find((model) => model.id === id);
      if (listed !== undefined) return toModelObject(listed);
      let model: ReturnType<Completions['resolve']>['model'];
      try {
        ({ model } = completions.resolve(id));
      } catch {
        throw notFoundError('model', id);
      }
      // A provider that takes any name (an OpenAI-compatible server) serves what its upstream
      // lists; one that cannot list (or whose list could not be read) serves what it resolves.
      const upstream = (await upstreamLists.lists()).find((list) => list.provider === model.provider);
      if (upstream !== undefined && !upstream.models.includes(model.modelId))
        throw notFoundError('model', id);
      return toModelObject({ id, provider: model.provider });
    },
  );
}
