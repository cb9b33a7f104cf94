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
const STEP = 8;

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
    const tokens = markdown.lexer(this.text.slice(this.doneLength + this.queuedLength));
    // Every block before the last one that is not blank space is finished.
    let last = tokens.length - 1;
    while (last > 0 && tokens[last].type === 'space') last -= 1;
    for (const token of tokens.slice(0, Math.max(last, 0))) {
      this.queue.push(token);
      this.queuedLength += token.raw.length;
    }
    while (this.queue.length > 0) {
      const step = this.queue.splice(0, STEP);
      this.done.append(safeFragment(markdown.parser(step)));
      for (const token of step) {
        this.doneLength += token.raw.length;
        this.queuedLength -= token.raw.length;
      }
      if (performance.now() - started > FRAME_BUDGET_MS) break;
    }
    if (this.queue.length > 0) {
      // The last block comes after the queued ones: it waits for them.
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
