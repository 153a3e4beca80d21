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

/**
 * OWASP's CSV-injection guidance: a text cell that starts with = + - @, tab or CR is a formula to a
 * spreadsheet (a failed ssh login as user `=HYPERLINK("http://evil.example/x")` would be a live link
 * in logins.csv), so it is prefixed with a single quote and then quoted. Numbers stay numbers.
 */
function neutralised(value: Cell): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function csvCell(value: Cell): string {
  const text = neutralised(value);
  return /[",\r\n']/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function iso(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}
