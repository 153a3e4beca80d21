/**
 * The tables as RFC 4180 CSV (CRLF, quoted where needed, a header row), one file per table, so an
 * auditor can sample rows in a spreadsheet. Times are RFC 3339 UTC; an empty cell means none.
 * Each section builds its own files with toCsv.
 */
type Cell = string | number | boolean | null;

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  return [header, ...rows]
    .map((row) => row.map(csvCell).join(','))
    .join('\r\n')
    .concat('\r\n');
}

function csvCell(value: Cell): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function iso(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}
