/**
 * The images, files and audio of a stored message, under its text: an image as a thumbnail that
 * opens full size in a viewer, a file (or a recording) as a chip with its name that downloads it. Their bytes are at
 * `/api/attachments/{sha256}`, behind the same key as the rest of the API — which an `<img src>`
 * cannot send — so they are fetched with it (`request`) and shown through `blob:` URLs (the only
 * images the page's CSP allows besides its own files).
 */

import { request } from './api.js';
import { button, element } from './dom.js';
import { download } from './transfer.js';

/** Fetched images by their API URL: a blob URL each, shared by every drawing of the message. */
const images = new Map();
const IMAGES_KEPT = 200;

/** The bytes of a stored image as a blob: URL (fetched once; the oldest are let go past 200). */
function imageUrl(path) {
  let url = images.get(path);
  if (url === undefined) {
    url = request('GET', path)
      .then((response) => response.blob())
      .then((blob) => URL.createObjectURL(blob));
    // A failed fetch is not kept: the next drawing tries again.
    url.catch(() => images.delete(path));
    images.set(path, url);
    if (images.size > IMAGES_KEPT) {
      const [oldest, kept] = images.entries().next().value;
      images.delete(oldest);
      kept.then((blobUrl) => URL.revokeObjectURL(blobUrl)).catch(() => {});
    }
  }
  return url;
}

/** A stored attachment's URL on this server (an image sent as a link has another host's, or none). */
const isStored = (part) => typeof part.url === 'string' && part.url.startsWith('/api/attachments/');

let viewer;

/** The dialog that shows an image full size (made once, on first use). */
function imageViewer() {
  if (viewer !== undefined) return viewer;
  const dialog = element('dialog', 'image-viewer');
  dialog.setAttribute('aria-label', 'Image');
  const image = element('img', 'viewer-image');
  const close = button('Close', 'Close the image', () => dialog.close());
  close.className = 'image-viewer-close';
  dialog.append(close, image);
  // A click on the backdrop (the dialog itself, outside the picture) closes it too.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  document.body.append(dialog);
  viewer = { dialog, image };
  return viewer;
}

function openViewer(src, alt) {
  const { dialog, image } = imageViewer();
  image.src = src;
  image.alt = alt;
  dialog.showModal();
}

function thumbnail(part, name) {
  const item = element('li', 'message-attachment image');
  const image = element('img');
  image.alt = name;
  const open = button('', `Open ${name} full size`, () => openViewer(image.src, name));
  open.disabled = true;
  open.append(image);
  item.append(open);
  imageUrl(part.url).then(
    (src) => {
      image.src = src;
      open.disabled = false;
    },
    () => item.replaceChildren(element('span', 'file-name', `${name} could not be loaded`)),
  );
  return item;
}

function fileChip(part, report, icon = '📄') {
  const item = element('li', 'message-attachment file');
  const link = element('a', 'file-name', `${icon} ${part.filename}`);
  link.href = part.url;
  link.download = part.filename;
  link.title = `${part.filename} (${part.media_type})`;
  // Followed as a plain link it would carry no API key: fetched with it instead.
  link.addEventListener('click', (event) => {
    event.preventDefault();
    download(part.url, part.filename).catch(report);
  });
  item.append(link);
  return item;
}

function linkedImage(part) {
  const item = element('li', 'message-attachment file');
  const link = element('a', 'file-name', '🖼 Image link');
  link.href = part.url;
  link.title = part.url;
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  item.append(link);
  return item;
}

/** The list, with its accessible name, or undefined when it is empty. */
function listOf(items) {
  if (items.length === 0) return undefined;
  const list = element('ul', 'message-attachments');
  list.setAttribute('aria-label', 'Attachments of this message');
  list.append(...items);
  return list;
}

/**
 * The files of a question being sent, drawn from the page's own previews (blob: URLs of the
 * files themselves; a name for what is not an image) until the stored message replaces them.
 * @param {{name: string, preview: string | undefined}[]} files
 */
export function draftAttachments(files) {
  return listOf(
    files.map(({ name, preview }) => {
      if (preview === undefined) {
        const item = element('li', 'message-attachment file');
        item.append(element('span', 'file-name', `📄 ${name}`));
        return item;
      }
      const item = element('li', 'message-attachment image');
      const image = element('img');
      image.src = preview;
      image.alt = name;
      item.append(image);
      return item;
    }),
  );
}

/**
 * The list of a message's images, files and recordings, or undefined when it has none.
 * @param {{parts?: object[]}} message the API's message
 * @param {(error: unknown) => void} report shows a failed download
 */
export function messageAttachments(message, report) {
  const items = [];
  let imageCount = 0;
  let recordingCount = 0;
  for (const part of message.parts ?? []) {
    if (part.type === 'image') {
      imageCount += 1;
      if (isStored(part)) items.push(thumbnail(part, `Attached image ${imageCount}`));
      else if (/^https?:\/\//i.test(part.url ?? '')) items.push(linkedImage(part));
    } else if (part.type === 'file' && isStored(part)) items.push(fileChip(part, report));
    else if (part.type === 'audio' && isStored(part)) {
      recordingCount += 1;
      const extension = part.media_type === 'audio/mpeg' ? 'mp3' : 'wav';
      items.push(fileChip({ ...part, filename: `recording-${recordingCount}.${extension}` }, report, '🔊'));
    }
  }
  return listOf(items);
}
