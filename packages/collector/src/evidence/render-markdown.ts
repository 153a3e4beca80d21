import type { EvidenceReport } from './build-report.ts';
import { iso } from './render-csv.ts';
import { citationLine } from './section.ts';

/**
 * The auditor-facing report: one Markdown file. Each section is headed by its number (its place
 * in section-list.ts) and title, then its citations, then the body it renders itself.
 */
export function renderMarkdown(r: EvidenceReport): string {
  const out: string[] = [
    '# Perimeter audit evidence',
    '',
    `Period: ${iso(r.period.fromMs)} to ${iso(r.period.toMs)} · generated ${iso(r.generatedAtMs)}`,
    '',
  ];
  for (const verdict of r.verdicts) {
    out.push(verdict.line, '');
  }
  r.sections.forEach((section, index) => {
    out.push(`## ${index + 1}. ${section.title}`);
    if (section.controls !== null) {
      out.push(
        `*Controls: ${citationLine(section.controls)}* (mapping: research/compliance-and-naming.md §3, ${section.controls.basis})`,
      );
    }
    out.push('', ...section.markdown);
  });
  out.push(
    'Files are listed with their SHA-256 in MANIFEST.sha256 (check with `sha256sum -c MANIFEST.sha256`).',
  );
  return `${out.join('\n')}\n`;
}

/**
 * Text from the store (a user name, a host name: whatever a log line or a client said) made
 * inert in Markdown: a viewer renders raw HTML, so `<` becomes `&lt;` (a failed login as user
 * `<script>alert(x)</script>` stays text); `|` and line breaks cannot end a table cell or row.
 */
export function markdownText(value: string | number): string {
  return String(value)
    .replaceAll('<', '&lt;')
    .replaceAll('|', '\\|')
    .replaceAll(/[\r\n]+/g, ' ');
}

/** A Markdown table, cut at `max` rows (the CSV has them all), followed by a blank line. */
export function markdownTable(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  max = 50,
): string[] {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows.slice(0, max)) {
    lines.push(`| ${row.map(markdownText).join(' | ')} |`);
  }
  if (rows.length > max) {
    lines.push(`| … ${rows.length - max} more rows in the CSV |`);
  }
  lines.push('');
  return lines;
}

export function duration(ms: number | null): string {
  if (ms === null) {
    return '-';
  }
  const s = Math.round(ms / 1000);
  if (s < 120) {
    return `${s} s`;
  }
  if (s < 7200) {
    return `${Math.round(s / 60)} min`;
  }
  if (s < 172_800) {
    return `${(s / 3600).toFixed(1)} h`;
  }
  return `${(s / 86_400).toFixed(1)} d`;
}
