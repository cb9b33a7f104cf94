/**
 * How commands print data: a table with a header for people, or JSON (`--json`) for scripts.
 * Data goes to stdout; messages and errors go to stderr.
 */

export type Cell = string | number | boolean | null | undefined;

/** Writes `value` as pretty JSON and a newline. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Formats rows as columns under an upper-case header, padded to the widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = (cell: Cell) => (cell === null || cell === undefined ? '-' : String(cell));
  const lines = [header.map((name) => name.toUpperCase()), ...rows.map((row) => row.map(text))];
  const widths = header.map((_, column) =>
    Math.max(...lines.map((line) => [...(line[column] ?? '')].length)),
  );
  return lines
    .map((line) =>
      line
        .map((cell, column) =>
          column === line.length - 1
            ? cell
            : cell.padEnd((widths[column] ?? 0) + cell.length - [...cell].length),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function printTable(header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  process.stdout.write(`${formatTable(header, rows)}\n`);
}

/** A Unix-seconds time as `YYYY-MM-DD HH:MM` (UTC), or `-`. */
export function formatTime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** A byte count for people: `512 B`, `3.4 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} ${units[unit]}` : `${value.toFixed(1)} ${units[unit]}`;
}
