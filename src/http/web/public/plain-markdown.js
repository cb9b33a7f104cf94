/**
 * Markdown read as plain text, for places too small to draw it (search snippets): the words stay,
 * the syntax goes — `# ` of headings, `>` of quotes, list bullets, fences, table rules and pipes,
 * `**`, `_`, `~~` and backticks around words, a link's or image's target (its text stays). A
 * snippet is a piece cut from a message, so an unpaired `**` or `~~` left at a cut goes too. Other
 * characters pass through untouched (the caller puts the result in text nodes, never in HTML).
 */

/** Punctuation a backslash may escape in markdown (CommonMark). */
const ESCAPABLE = /\\([!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~])/g;
/** Escaped characters wait in the Private Use Area while the syntax around them is removed. */
const HIDDEN = 0xe000;
const hide = (_match, character) => String.fromCharCode(HIDDEN + character.charCodeAt(0));
const unhide = (text) =>
  text.replace(/[\ue000-\ue07f]/g, (character) => String.fromCharCode(character.charCodeAt(0) - HIDDEN));

const LINE_RULES = [
  // Fences (their code stays) and thematic breaks.
  [/^\s*(?:`{3,}|~{3,})[^`]*$/, ''],
  [/^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/, ''],
  // A table's rule row, then the pipes between its cells.
  [/^(?=.*\|)(?=.*-)[\s|:-]+$/, ''],
  [/^\s*\|(.*?)\|?\s*$/, (_match, cells) => cells.replace(/\s*\|\s*/g, ' · ').trim()],
  // Quotes, headings (and their closing hashes), list bullets and task boxes.
  [/^\s{0,3}(?:>\s?)+/, ''],
  [/^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/, '$1'],
  [/^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/, ''],
];

const INLINE_RULES = [
  // Images and links keep their text; reference links too; an autolink keeps its address.
  [/!\[([^\]]*)\]\([^)]*\)/g, '$1'],
  [/\[([^\]]+)\]\([^)]*\)/g, '$1'],
  [/\[([^\]]+)\]\[[^\]]*\]/g, '$1'],
  [/<((?:https?|mailto):[^>\s]+)>/g, '$1'],
  // Strong, then emphasis (an underscore inside a word, as in snake_case, is not emphasis).
  [/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2'],
  [/~~(?=\S)(.+?)(?<=\S)~~/g, '$1'],
  [/(^|[^\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])/g, '$1$2'],
  [/(^|[^\w])_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)/g, '$1$2'],
  // Code spans, and what a cut left unpaired.
  [/`+/g, ''],
  [/\*\*+|~~/g, ''],
];

/**
 * The text of a piece of markdown without its syntax.
 * @param {string} markdown
 * @returns {string}
 * @example markdownToPlainText('## **Bold** `code` [link](https://example.com)') // 'Bold code link'
 */
export function markdownToPlainText(markdown) {
  // Text that uses those code points itself (rare) keeps them: its escapes just lose the backslash.
  const hiding = !/[\ue000-\ue07f]/.test(markdown);
  const lines = (hiding ? markdown.replace(ESCAPABLE, hide) : markdown.replace(ESCAPABLE, '$1')).split('\n');
  const kept = [];
  for (const line of lines) {
    // A snippet cut at a line's start begins with "…": the line's syntax comes after it.
    const cut = line.startsWith('…') ? '…' : '';
    let text = line.slice(cut.length);
    for (const [pattern, replacement] of LINE_RULES) text = text.replace(pattern, replacement);
    for (const [pattern, replacement] of INLINE_RULES) text = text.replace(pattern, replacement);
    if (text.trim() !== '' || line.trim() === '') kept.push(cut + text);
  }
  return hiding ? unhide(kept.join('\n')) : kept.join('\n');
}
