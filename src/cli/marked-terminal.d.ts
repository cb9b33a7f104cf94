// marked-terminal 7 ships no types (and @types/marked-terminal pins an old marked): what we use.
declare module 'marked-terminal' {
  import type { MarkedExtension } from 'marked';

  export interface TerminalRendererOptions {
    /** Wrap paragraphs at `width` columns. */
    readonly reflowText?: boolean;
    readonly width?: number;
    readonly tab?: number;
  }

  export function markedTerminal(options?: TerminalRendererOptions): MarkedExtension;
}
