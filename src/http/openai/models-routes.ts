/** `GET /v1/models` and `GET /v1/models/{id}`: the models this server's configuration routes. */

import { Type } from 'typebox';
import type { Completions } from '../../conversations/completions.ts';
import type { OpenAIApp } from './openai-app.ts';
import { notFoundError } from './openai-errors.ts';

const toModelObject = (model: { id: string; provider: string }) => ({
  id: model.id,
  object: 'model' as const,
  created: 0,
  owned_by: model.provider,
});

export function registerModelsRoutes(app: OpenAIApp, completions: Completions): void {
  app.get('/models', async () => ({ object: 'list', data: completions.listModels().map(toModelObject) }));

  app.get(
    '/models/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 200 }) }) } },
    async (request) => {
      const listed = completions.listModels().find((model) => model.id === request.params.id);
      if (listed !== undefined) return toModelObject(listed);
      // Providers that take any name (OpenAI-compatible servers) serve models beyond the listed ones.
      try {
        const { modelName, model } = completions.resolve(request.params.id);
        return toModelObject({ id: modelName, provider: model.provider });
      } catch {
        throw notFoundError('model', request.params.id);
      }
    },
  );
}
