/**
 * The CLI's two kinds of failure, told apart by exit code: a `CliError` is a command that could not
 * do its job (exit 1), a `UsageError` is a command called wrongly (exit 2, with the usage).
 * Both print as one line on stderr: `parley: <message>`.
 */

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  override readonly name = 'CliError';
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** An error's message on one line (stack traces and multi-line causes stay out of the terminal). */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split('\n')
    .map((line) => line.trim().replace(/^- /, ''))
    .filter((line) => line !== '');
  return lines.reduce(
    (joined, line) => (joined === '' ? line : `${joined}${joined.endsWith(':') ? ' ' : '; '}${line}`),
    '',
  );
}
