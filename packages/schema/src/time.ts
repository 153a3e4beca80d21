import { parseDurationMs } from './duration.ts';

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** T on the command line: RFC 3339 (`2026-11-23T06:00:00Z`), `now`, or relative (`-1h`, `-7d`). */
export function parseTimeArg(text: string, nowMs: number): number {
  if (text === 'now') {
    return nowMs;
  }
  if (text.startsWith('-')) {
    return nowMs - parseDurationMs(text.slice(1));
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    throw new RangeError(`"${text}" is not a time: use RFC 3339 (2026-11-23T06:00:00Z), "now", or -1h / -7d`);
  }
  return Date.parse(text);
}
