/**
 * Markdown that grows while an answer streams, drawn without re-parsing the whole answer at each
 * piece: blocks that are finished (another block has begun after them) are parsed and drawn once
 * and kept; only the text from the last unfinished block on is parsed again — at most once per
 * animation frame, however many pieces arrived.
 */

import { markdown, safeFragment } from './markdown.js';

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
    /** How much of the text the blocks in `done` hold. */
    this.doneLength = 0;
    this.text = '';
    this.frame = undefined;
  }

  /** The whole text so far; drawn at the next animation frame. */
  update(text) {
    this.text = text.replace(/\r\n?/g, '\n');
    this.frame ??= requestAnimationFrame(() => {
      this.frame = undefined;
      this.around(() => this.draw());
    });
  }

  /** Draws what is pending now. */
  flush() {
    if (this.frame === undefined) return;
    cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.draw();
  }

  draw() {
    // A text that is not the continuation of what was drawn (a new answer) starts over.
    if (this.text.length < this.doneLength) {
      this.done.replaceChildren();
      this.doneLength = 0;
    }
    const tokens = markdown.lexer(this.text.slice(this.doneLength));
    // Every block before the last one that is not blank space is finished.
    let last = tokens.length - 1;
    while (last > 0 && tokens[last].type === 'space') last -= 1;
    if (last > 0) {
      const finished = tokens.slice(0, last);
      this.done.append(safeFragment(markdown.parser(finished)));
      for (const token of finished) this.doneLength += token.raw.length;
    }
    this.live.replaceChildren(safeFragment(markdown.parser(tokens.slice(Math.max(last, 0)))));
  }
}
