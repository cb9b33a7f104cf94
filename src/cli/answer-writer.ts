/**
 * Writes a streamed answer to a terminal as it arrives. Raw mode writes the text as is. Markdown
 * mode renders each finished block (paragraph, list, fenced code…) with marked-terminal: the block
 * being written shows as plain text while it grows, and is redrawn rendered once a blank line
 * (outside a code fence) ends it, so what is on screen is always the answer so far.
 */

export interface AnswerWriter {
  write(delta: string): void;
  /** Renders what is left; the answer ends on its own line. */
  end(): void;
}

interface Output {
  write(text: string): unknown;
  readonly columns?: number | undefined;
}

export function rawAnswerWriter(output: Output): AnswerWriter {
  let last = '\n';
  return {
    write(delta) {
      if (delta === '') return;
      output.write(delta);
      last = delta.slice(-1);
    },
    end() {
      if (last !== '\n') output.write('\n');
    },
  };
}

/** A writer for `output`: plain when asked or when it is not a terminal, else markdown. */
export async function answerWriter(
  output: Output & { readonly isTTY?: boolean },
  raw: boolean,
): Promise<AnswerWriter> {
  return raw || output.isTTY !== true ? rawAnswerWriter(output) : markdownAnswerWriter(output);
}

/** Renders markdown for the terminal (marked loads on first use: it is slow to load). */
export async function markdownAnswerWriter(output: Output): Promise<AnswerWriter> {
  const [{ Marked }, { markedTerminal }] = await Promise.all([import('marked'), import('marked-terminal')]);
  const width = Math.max(20, Math.min(output.columns ?? 80, 120));
  const marked = new Marked(markedTerminal({ reflowText: true, width: width - 2 }));
  const render = (markdown: string) => {
    const text = marked.parse(markdown, { async: false });
    return text.replace(/\n+$/, '\n\n');
  };
  let pending = '';
  // How many terminal rows the plain text of `pending` takes on screen.
  let rowsShown = 0;

  const erasePending = () => {
    if (rowsShown === 0) return;
    output.write(`\r${rowsShown > 1 ? `\x1b[${rowsShown - 1}A` : ''}\x1b[J`);
    rowsShown = 0;
  };
  const showPending = () => {
    output.write(pending);
    rowsShown = rowsOf(pending, output.columns ?? 80);
  };

  return {
    write(delta) {
      if (delta === '') return;
      pending += delta;
      const boundary = lastBlockBoundary(pending);
      if (boundary === 0) {
        output.write(delta);
        rowsShown = rowsOf(pending, output.columns ?? 80);
        return;
      }
      const finished = pending.slice(0, boundary);
      erasePending();
      output.write(render(finished));
      pending = pending.slice(boundary);
      showPending();
    },
    end() {
      erasePending();
      if (pending.trim() !== '') output.write(render(pending).replace(/\n+$/, '\n'));
      pending = '';
    },
  };
}

/**
 * Where the finished blocks of `text` end: just after its last blank line outside a code fence,
 * or 0 when no block is finished yet.
 */
export function lastBlockBoundary(text: string): number {
  let inFence = false;
  let hasText = false;
  let offset = 0;
  let boundary = 0;
  const lines = text.split('\n');
  // The last piece has no newline after it yet: it is still being written.
  for (const [index, line] of lines.entries()) {
    const complete = index < lines.length - 1;
    if (complete && /^\s{0,3}(```|~~~)/.test(line)) inFence = !inFence;
    offset += line.length + (complete ? 1 : 0);
    if (line.trim() !== '') hasText = true;
    else if (complete && !inFence && hasText) boundary = offset;
  }
  return boundary;
}

/** Rows a plain text takes on a terminal `columns` wide (wrapped lines count as many rows). */
export function rowsOf(text: string, columns: number): number {
  return text
    .split('\n')
    .reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / Math.max(1, columns))), 0);
}
