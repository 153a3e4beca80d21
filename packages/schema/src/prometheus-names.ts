/**
 * OTel → Prometheus naming, after the OpenTelemetry "Prometheus and OpenMetrics compatibility"
 * rules: dots and other invalid characters become `_`, the UCUM unit is appended as a word
 * (`Cel` → `celsius`, `By` → `bytes`), a unit of `1` on a gauge becomes `_ratio`, and monotonic
 * counters end in `_total`. Annotations in braces (`{attempt}`) are dropped.
 */

const UNIT_WORDS: Record<string, string> = {
  Cel: 'celsius',
  rpm: 'rpm',
  W: 'watts',
  By: 'bytes',
  s: 'seconds',
  ms: 'milliseconds',
  Hz: 'hertz',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  '%': 'percent',
};

export function sanitizePrometheusName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/_+/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

export function sanitizePrometheusLabel(key: string): string {
  const cleaned = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `key_${cleaned}` : cleaned;
}

export type PrometheusKind = 'gauge' | 'counter';

export function prometheusMetricName(otelName: string, unit: string, kind: PrometheusKind): string {
  let name = sanitizePrometheusName(otelName);
  const unitWord = unitSuffix(unit, kind);
  if (unitWord !== '' && !name.endsWith(`_${unitWord}`)) {
    name = `${name}_${unitWord}`;
  }
  if (kind === 'counter' && !name.endsWith('_total')) {
    name = `${name}_total`;
  }
  return name;
}

function unitSuffix(unit: string, kind: PrometheusKind): string {
  const withoutAnnotations = unit.replace(/\{[^}]*\}/g, '').trim();
  if (withoutAnnotations === '') {
    return '';
  }
  if (withoutAnnotations === '1') {
    return kind === 'gauge' ? 'ratio' : '';
  }
  const perIndex = withoutAnnotations.indexOf('/');
  if (perIndex > 0) {
    const left = wordForUnit(withoutAnnotations.slice(0, perIndex));
    const rightUnit = withoutAnnotations.slice(perIndex + 1);
    const right = PER_TIME_WORDS[rightUnit] ?? wordForUnit(rightUnit);
    return `${left}_per_${right}`;
  }
  return wordForUnit(withoutAnnotations);
}

const PER_TIME_WORDS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day' };

function wordForUnit(unit: string): string {
  return UNIT_WORDS[unit] ?? sanitizePrometheusName(unit);
}
