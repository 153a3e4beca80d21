import { MetricUnits } from '@perimeter/schema';
import type { SampleRound } from './sample-round.ts';

/**
 * `perimeter-agent once` output. JSON is one document that scripts can rely on (readings with
 * their unit, events, and what each sampler did); the text form is one `name{attrs} value unit`
 * line per reading, sorted, for a person at a terminal.
 */
export interface PrintOptions {
  nodeId: string;
  timeMs: number;
  json: boolean;
}

export function printRound(round: SampleRound, { nodeId, timeMs, json }: PrintOptions): string {
  const readings = round.readings
    .map((r) => ({ metric: r.metric, unit: MetricUnits[r.metric], value: r.value, attributes: r.attributes }))
    .sort((a, b) => lineOf(a).localeCompare(lineOf(b)));
  if (json) {
    const doc = {
      node: nodeId,
      time: new Date(timeMs).toISOString(),
      readings,
      events: round.events,
      samplers: round.outcomes,
    };
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
  const lines = readings.map((r) => `${lineOf(r)} ${r.value} ${r.unit}`);
  for (const event of round.events) {
    lines.push(`event ${event.event} ${new Date(event.timeMs).toISOString()} ${event.body}`);
  }
  for (const outcome of round.outcomes) {
    const why = outcome.reason ? ` (${outcome.reason})` : '';
    lines.push(
      `# sampler ${outcome.name}: ${outcome.status}, ${outcome.readings} readings, ${outcome.durationMs} ms${why}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function lineOf(reading: { metric: string; attributes: Record<string, unknown> }): string {
  const attributes = Object.entries(reading.attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(',');
  return attributes === '' ? reading.metric : `${reading.metric}{${attributes}}`;
}
