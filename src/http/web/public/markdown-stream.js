/**
 * Markdown that grows while an answer streams, drawn without re-parsing the whole answer at each
 * piece: blocks that are finished (another block has begun after them) are parsed once, queued,
 * and drawn once; only the text after them is parsed again — at most once per animation frame,
 * however many pieces arrived. Each frame draws queued blocks for a few milliseconds at most, so a
 * page that fell behind (a slow or busy machine, a burst of text) catches up over several frames
 * instead of in one long task; the unfinished last block is drawn once the queue is empty.
 */

import { markdown, safeFragment } from './markdown.js';

/** How long one frame may spend drawing queued blocks (it draws at least a few). */
const FRAME_BUDGET_MS = 8;
/** Blocks parsed and drawn together. */
const STEP = 2;
/** How much new text one frame parses at first (a block longer than that widens it). */
const WINDOW = 2048;

export class MarkdownStream {
  /**
   * @param {HTMLElement} container where the answer is drawn (emptied)
   * @param {(draw: () => void) => void} [around] runs each drawing (to keep the end in view)
   */
  constructor(container, around = (draw) => draw()) {
    this.container = container;
    this.around = around;
    this.done = document.createElement('div');
    this.done.className = 'markdown-done';
    this.live = document.createElement('div');
    this.live.className = 'markdown-live';
    container.replaceChildren(this.done, this.live);
    /** How much of the text the blocks in `done` hold, and the finished blocks not drawn yet. */
    this.doneLength = 0;
    this.queue = [];
    this.queuedLength = 0;
    this.text = '';
    this.window = WINDOW;
    this.frame = undefined;
    this.waiting = [];
  }

  /** The whole text so far; drawn from the next animation frame. */
  update(text) {
    this.text = text.replace(/\r\n?/g, '\n');
    this.schedule();
  }

  schedule() {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.around(() => this.draw());
    });
  }

  draw() {
    const started = performance.now();
    // A text that is not the continuation of what was drawn (a new answer) starts over.
    if (this.text.length < this.doneLength + this.queuedLength) {
      this.done.replaceChildren();
      this.doneLength = 0;
      this.queue = [];
      this.queuedLength = 0;
    }
    // The new text, up to the last blank line in a window: a burst is parsed over several frames.
    const from = this.doneLength + this.queuedLength;
    let slice = this.text.slice(from);
    const cut = slice.length > this.window ? slice.lastIndexOf('\n\n', this.window) : -1;
    const whole = cut <= 0;
    if (!whole) slice = slice.slice(0, cut + 2);
    const tokens = markdown.lexer(slice);
    // Every block before the last one that is not blank space is finished.
    let last = tokens.length - 1;
    while (last > 0 && tokens[last].type === 'space') last -= 1;
    for (const token of tokens.slice(0, Math.max(last, 0))) {
      this.queue.push(token);
      this.queuedLength += token.raw.length;
    }
    // A window that held no finished block (a long code block) is widened for the next frame.
    this.window = last > 0 ? WINDOW : this.window * 2;
    while (this.queue.length > 0) {
      const step = this.queue.splice(0, STEP);
      this.done.append(safeFragment(markdown.parser(step)));
      for (const token of step) {
        this.doneLength += token.raw.length;
        this.queuedLength -= token.raw.length;
      }
      if (performance.now() - started > FRAME_BUDGET_MS) break;
    }
    if (this.queue.length > 0 || !whole) {
      // The last block comes after the queued ones and the text not parsed yet: it waits for them.
      this.live.replaceChildren();
      this.schedule();
      return;
    }
    this.live.replaceChildren(safeFragment(markdown.parser(tokens.slice(Math.max(last, 0)))));
    if (this.frame === undefined) for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** Resolves once everything received so far is drawn (over as many frames as it takes). */
  drawn() {
    if (this.frame === undefined && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
