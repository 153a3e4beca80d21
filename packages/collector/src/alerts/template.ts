import type { Labels } from './series-source.ts';

/**
 * Annotation templates, the subset of Prometheus's Go templates the rule model allows
 * (`{{ $labels.NAME }}`, `{{ $value }}`), rendered as Go renders them: a missing label is
 * `<no value>` and a float prints as Go's `%v` does (`1e+06`, `0.5`, `12`).
 */
export function renderTemplate(text: string, labels: Labels, value: number): string {
  return text.replace(
    /\{\{\s*\$(value|labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*\}\}/g,
    (_all, what: string, name?: string) =>
      what === 'value' ? formatGoFloat(value) : (labels[name as string] ?? '<no value>'),
  );
}

export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '+Inf' : '-Inf';
  }
  if (value === 0) {
    return Object.is(value, -0) ? '-0' : '0';
  }
  const [mantissa, exp] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 6) {
    // Go's %v: shortest digits, %e past 1e+06 or under 1e-04, exponent at least two digits.
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(value);
}
