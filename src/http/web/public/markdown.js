/**
 * Markdown from a model, made safe to show: parsed by marked (GitHub's flavour, with `$…$`,
 * `$$…$$`, `\(…\)` and `\[…\]` math through KaTeX as MathML), code highlighted by highlight.js,
 * then sanitized by DOMPurify — model output is untrusted. HTML written in an answer is shown as
 * text (so no handler or inline style even reaches the sanitizer, where Chromium would report it
 * against the CSP); what markdown itself makes is sanitized anyway: no `javascript:` URL, no form,
 * no inline style, and no remote image (each becomes a link to it). Code blocks get a header with their language and a Copy
 * button; wide tables scroll in their own box.
 */

import { Marked } from './vendor/marked.esm.js';
import DOMPurify from './vendor/purify.es.mjs';
import hljs from './vendor/highlight.min.js';
import katex from './vendor/katex.mjs';

const escapeHtml = (text) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function math(tex, displayMode) {
  // MathML only: KaTeX's HTML output needs inline styles, which the page's CSP refuses.
  return katex.renderToString(tex, { displayMode, output: 'mathml', throwOnError: false, strict: 'ignore' });
}

const blockMath = {
  name: 'blockMath',
  level: 'block',
  start: (source) => /\$\$|\\\[/.exec(source)?.index,
  tokenizer(source) {
    const match = /^ {0,3}(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n+|$)/.exec(source);
    if (match === null) return undefined;
    return { type: 'blockMath', raw: match[0], text: (match[1] ?? match[2]).trim() };
  },
  renderer: (token) => `<div class="math-block">${math(token.text, true)}</div>\n`,
};

const inlineMath = {
  name: 'inlineMath',
  level: 'inline',
  start: (source) => /\$|\\\(/.exec(source)?.index,
  tokenizer(source) {
    // `$x$` needs no space inside its ends and no digit after it, so "$5 and $6" stays text.
    const match =
      /^\$(?!\s)((?:\\.|[^\\$\n])+?)(?<!\s)\$(?!\d)/.exec(source) ?? /^\\\((.+?)\\\)/.exec(source);
    if (match === null) return undefined;
    return { type: 'inlineMath', raw: match[0], text: match[1] };
  },
  renderer: (token) => math(token.text, false),
};

const renderer = {
  // HTML in an answer is shown as the text it is (as ChatGPT does), never as markup.
  html: ({ text }) => escapeHtml(text),
  code({ text, lang }) {
    const language = (lang ?? '').trim().split(/\s+/)[0].toLowerCase();
    // Named languages only: guessing one means trying them all, too slow while an answer streams.
    const known = language !== '' && hljs.getLanguage(language) !== undefined;
    const html = known ? hljs.highlight(text, { language, ignoreIllegals: true }).value : escapeHtml(text);
    return `<pre data-language="${escapeHtml(language)}"><code class="hljs">${html}</code></pre>\n`;
  },
};

export const markdown = new Marked({ gfm: true, breaks: false });
markdown.use({ extensions: [blockMath, inlineMath], renderer });

const SANITIZE = {
  USE_PROFILES: { html: true, mathMl: true },
  ADD_TAGS: ['semantics', 'annotation'],
  ADD_ATTR: ['encoding'],
  FORBID_TAGS: [
    'style',
    'form',
    'input',
    'button',
    'textarea',
    'select',
    'option',
    'dialog',
    'video',
    'audio',
  ],
  FORBID_ATTR: ['style', 'id', 'name', 'srcset', 'tabindex', 'autofocus'],
  RETURN_DOM_FRAGMENT: true,
};

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
  // Still in DOMPurify's inert document: the image never loads. It becomes a link below.
  if (node.tagName === 'IMG') {
    const source = node.getAttribute('src') ?? '';
    node.removeAttribute('src');
    if (/^https?:\/\//i.test(source)) node.setAttribute('data-source', source);
  }
});

/** A remote image as a link to it (its alt text, or its address). */
function imageAsLink(image) {
  const source = image.dataset.source;
  const label = image.getAttribute('alt') || source || 'image';
  if (source === undefined) return document.createTextNode(`[${label}]`);
  const link = document.createElement('a');
  link.href = source;
  link.target = '_blank';
  link.rel = 'noopener noreferrer nofollow';
  link.className = 'image-link';
  link.textContent = `🖼 ${label}`;
  return link;
}

/** A code block's header: its language and a Copy button (the page handles the click). */
function codeBlock(pre) {
  const block = document.createElement('div');
  block.className = 'code-block';
  const header = document.createElement('div');
  header.className = 'code-header';
  const language = document.createElement('span');
  language.className = 'code-language';
  language.textContent = pre.dataset.language || 'text';
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy-code';
  copy.textContent = 'Copy';
  copy.setAttribute('aria-label', `Copy ${language.textContent} code`);
  header.append(language, copy);
  pre.replaceWith(block);
  block.append(header, pre);
}

function tableBox(table) {
  const box = document.createElement('div');
  box.className = 'table-box';
  table.replaceWith(box);
  box.append(table);
}

/** Sanitizes HTML into a fragment of this document, with code headers, table boxes and image links. */
export function safeFragment(html) {
  const fragment = DOMPurify.sanitize(html, SANITIZE);
  // The line breaks between blocks are not text anyone reads (nor copies).
  for (const node of [...fragment.childNodes])
    if (node.nodeType === Node.TEXT_NODE && node.textContent.trim() === '') node.remove();
  for (const image of fragment.querySelectorAll('img')) image.replaceWith(imageAsLink(image));
  for (const pre of fragment.querySelectorAll('pre')) codeBlock(pre);
  for (const table of fragment.querySelectorAll('table')) tableBox(table);
  return fragment;
}

/** The whole text, rendered at once (a stored message). */
export function renderMarkdown(text) {
  return safeFragment(markdown.parse(text));
}

const WARM_UP = [
  '# A\n\nSome **text**, `code`, a [link](https://example.org) and $x^2$.\n\n- one\n- two\n\n1. three\n',
  '| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\n$$\\frac{a}{b}$$\n',
  ...['python', 'js', 'ts', 'bash', 'json', 'html', 'css', 'sql'].map(
    (language) => `\`\`\`${language}\nx = 1\n\`\`\`\n`,
  ),
].join('\n');

/**
 * Draws a small sample off screen once, while the page is idle: the parser, the sanitizer and the
 * common highlighting grammars are compiled before the first answer streams, not during it.
 */
export function warmUp() {
  renderMarkdown(WARM_UP);
}
