/**
 * A conversation's settings, in a dialog: its system prompt, model, temperature and max tokens,
 * stored with `PATCH /api/conversations/:id` (the server applies them to every later answer in
 * it). An empty temperature or max tokens is null: the model's default.
 */

import { requestJson } from './api.js';

/** A number field's value, or null when it is empty (the browser has checked its range). */
const numberOrNull = (field) => (field.value.trim() === '' ? null : field.valueAsNumber);

/**
 * @param {{dialog: HTMLDialogElement, form: HTMLFormElement, systemPrompt: HTMLTextAreaElement,
 *   model: HTMLSelectElement, modelPicker: HTMLSelectElement, temperature: HTMLInputElement,
 *   maxTokens: HTMLInputElement, cancel: HTMLButtonElement}} parts
 * @param {{current: () => object | undefined, saved: (conversation: object) => void, report: (error: unknown) => void}} handlers
 */
export function setUpSettings(parts, { current, saved, report }) {
  const open = () => {
    const conversation = current();
    if (conversation === undefined) return;
    parts.systemPrompt.value = conversation.system_prompt ?? '';
    // The same models as the picker; "default" leaves the conversation on the server's default.
    parts.model.replaceChildren(
      ...[...parts.modelPicker.options].map((option) => new Option(option.text, option.value)),
    );
    const known = [...parts.model.options].some((option) => option.value === conversation.model);
    if (conversation.model !== null && !known)
      parts.model.append(new Option(conversation.model, conversation.model));
    parts.model.value = conversation.model ?? '';
    parts.temperature.value = String(conversation.temperature ?? '');
    parts.maxTokens.value = String(conversation.max_output_tokens ?? '');
    parts.dialog.showModal();
    parts.systemPrompt.focus();
  };
  parts.cancel.addEventListener('click', () => parts.dialog.close());
  parts.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const conversation = current();
    if (conversation === undefined) return;
    const systemPrompt = parts.systemPrompt.value.trim();
    requestJson('PATCH', `/api/conversations/${conversation.id}`, {
      system_prompt: systemPrompt === '' ? null : systemPrompt,
      model: parts.model.value === '' ? null : parts.model.value,
      temperature: numberOrNull(parts.temperature),
      max_output_tokens: numberOrNull(parts.maxTokens),
    })
      .then((updated) => {
        parts.dialog.close();
        saved(updated);
      })
      .catch(report);
  });
  return { open };
}
