import { readFileSync } from 'node:fs';

/**
 * Reads samples out of a Prometheus text exposition file (node_exporter's e2e output), so tests can
 * check our readings against what node_exporter itself read from the same fixture tree. Enough of
 * the format for that file: `name{label="value",...} number` lines; HELP/TYPE comments skipped.
 */

export interface PromSample {
  labels: Record<string, string>;
  value: number;
}

export function readPromSamples(path: string, metric: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== metric) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = raw!.replace(/\\(["\\])/g, '$1').replace(/\\n/g, '\n');
    }
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}
