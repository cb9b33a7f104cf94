/** The model picker, filled from `GET /v1/models`. */

import { requestJson } from './api.js';

/**
 * Lists the server's models, keeping the choice when it is still there. The server's default
 * comes first in its list; the "default" entry sends no model at all, so a conversation with a
 * model of its own keeps it.
 * @param {HTMLSelectElement} select
 */
export async function loadModels(select) {
  const { data } = await requestJson('GET', '/v1/models');
  const chosen = select.value;
  const first = data[0]?.id;
  const options = [new Option(first === undefined ? 'default' : `default (${first})`, '')];
  for (const model of data) options.push(new Option(model.id, model.id));
  select.replaceChildren(...options);
  select.value = data.some((model) => model.id === chosen) ? chosen : '';
}

/** The request fields for the chosen model: none for the default. */
export const chosenModel = (select) => (select.value === '' ? {} : { model: select.value });
