/**
 * Attachments on the next question: images and files added by paste, drag and drop or the picker,
 * shown as thumbnails (a name for other files) that can be removed, and turned into the message's
 * parts when it is sent — a text part, then an image part (bytes with their media type), an audio
 * part (a wav or mp3 recording) or a file part (bytes, media type and name) for each, as the
 * conversation core stores them. Once stored,
 * they are drawn back with the message (`message-attachments.js`).
 */

import { button, element } from './dom.js';
import { draftAttachments } from './message-attachments.js';

/** Recordings the models take as audio (wav, mp3), by the media types browsers give them. */
const AUDIO_MEDIA_TYPES = {
  'audio/wav': 'audio/wav',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/mpeg': 'audio/mpeg',
  'audio/mp3': 'audio/mpeg',
};

const MAX_FILES = 10;
const MAX_BYTES = 20 * 1024 * 1024;
/** A file's bytes as base64 (without the `data:` prefix). */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * The attachments tray of the composer.
 * @param {{tray: HTMLElement, picker: HTMLInputElement, attach: HTMLButtonElement,
 *   dropZone: HTMLElement, prompt: HTMLTextAreaElement, report: (message: string) => void}} parts
 */
export function setUpAttachments({ tray, picker, attach, dropZone, prompt, report }) {
  /** @type {Array<{file: File, preview: string | undefined}>} */
  let attached = [];

  const draw = () => {
    tray.hidden = attached.length === 0;
    tray.replaceChildren(
      ...attached.map((entry) => {
        const item = element('li', 'attachment');
        if (entry.preview !== undefined) {
          const image = element('img');
          image.src = entry.preview;
          image.alt = entry.file.name;
          item.append(image);
        } else item.append(element('span', 'file-name', `📄 ${entry.file.name}`));
        item.title = `${entry.file.name} (${Math.ceil(entry.file.size / 1024)} KB)`;
        item.append(button('×', `Remove ${entry.file.name}`, () => remove(entry)));
        return item;
      }),
    );
  };

  const remove = (entry) => {
    if (entry.preview !== undefined) URL.revokeObjectURL(entry.preview);
    attached = attached.filter((other) => other !== entry);
    draw();
    prompt.focus();
  };

  const add = (files) => {
    for (const file of files) {
      if (attached.length >= MAX_FILES) {
        report(`At most ${MAX_FILES} attachments on one message.`);
        break;
      }
      if (file.size > MAX_BYTES) {
        report(`${file.name} is larger than ${MAX_BYTES / 1024 / 1024} MB.`);
        continue;
      }
      const preview = file.type.startsWith('image/') ? URL.createObjectURL(file) : undefined;
      attached.push({ file, preview });
    }
    draw();
  };

  attach.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    add([...(picker.files ?? [])]);
    picker.value = '';
  });
  prompt.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    add(files);
  });
  dropZone.addEventListener('dragover', (event) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    dropZone.classList.add('dropping');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dropping'));
  dropZone.addEventListener('drop', (event) => {
    dropZone.classList.remove('dropping');
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    add(files);
  });

  return {
    /** How many are attached. */
    count: () => attached.length,
    /** The attachments as the question being sent shows them (undefined when there are none). */
    draft: () =>
      draftAttachments(attached.map((entry) => ({ name: entry.file.name, preview: entry.preview }))),
    /** The message's parts: its text, then each attachment. */
    async parts(text) {
      const parts = [{ type: 'text', text }];
      for (const { file } of attached) {
        const data = await base64Of(file);
        const mediaType = file.type || 'application/octet-stream';
        const audioType = AUDIO_MEDIA_TYPES[mediaType];
        if (file.type.startsWith('image/')) parts.push({ type: 'image', media_type: mediaType, data });
        else if (audioType !== undefined) parts.push({ type: 'audio', media_type: audioType, data });
        else parts.push({ type: 'file', media_type: mediaType, filename: file.name, data });
      }
      return parts;
    },
    /** Empties the tray (after the question was stored). */
    clear() {
      for (const entry of attached) if (entry.preview !== undefined) URL.revokeObjectURL(entry.preview);
      attached = [];
      draw();
    },
  };
}
