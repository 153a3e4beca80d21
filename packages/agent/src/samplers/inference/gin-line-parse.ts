import { systemOffsetMinutes, wallClockToMs } from '../logins/log-time.ts';
import type { InferenceRequest } from './inference-request.ts';
import { scrubRoute } from './scrub-request.ts';

/**
 * Ollama's request lines (gin's default Logger, which `gin.Default()` in server/routes.go
 * attaches): `[GIN] 2024/08/30 - 10:28:57 | 200 |   82.985212ms |       127.0.0.1 | POST     "/v1/completions"`,
 * from server.log or journald (a syslog prefix before `[GIN]` is skipped), with ANSI colours when
 * Ollama wrote to a terminal. The timestamp is local time WITHOUT a zone: it is read in the zone
 * `offsetMinutes` gives (the agent's own, which is Ollama's when both run on the node) and that
 * zone is stated on the event. No user, model or sizes: Ollama has no auth and gin does not print them.
 */
const GIN =
  /\[GIN\] (\d{4})\/(\d{2})\/(\d{2}) - (\d{2}):(\d{2}):(\d{2}) \|\s*(\d{3})\s*\|\s*(\S+)\s*\|\s*(\S*)\s*\|\s*([A-Z]+)\s+"((?:[^"\\]|\\.)*)"/;
/** SGR colour codes gin adds on a terminal (ESC built from its code: a control character in a literal is a lint error). */
const ANSI = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, 'g');
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|µs|us|ns)/g;
const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, µs: 1e-6, us: 1e-6, ns: 1e-9 };

/** A Go time.Duration string (`1m11s`, `82.985212ms`, `41.983µs`) in seconds, or undefined. */
export function parseGoDuration(text: string): number | undefined {
  let seconds = 0;
  let consumed = '';
  for (const [whole, value, unit] of text.matchAll(GO_DURATION_PART)) {
    seconds += Number(value) * (UNIT_SECONDS[unit ?? ''] ?? Number.NaN);
    consumed += whole;
  }
  return consumed === text && consumed !== '' && Number.isFinite(seconds) ? seconds : undefined;
}

/** `+01:00` for 60 minutes east of UTC. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function parseGinLine(
  line: string,
  options: { nowMs: number; offsetMinutes?: (approxMs: number) => number },
): InferenceRequest | null {
  const m = GIN.exec(line.replace(ANSI, ''));
  if (m === null) return null;
  const offsetOf = options.offsetMinutes ?? systemOffsetMinutes;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const asUtc = wallClockToMs(y, mo - 1, d, h, mi, s, 0, 0);
  if (asUtc === null) return null;
  const offset = offsetOf(asUtc);
  let route: string;
  try {
    route = JSON.parse(`"${m[11] ?? ''}"`) as string; // Go's %#v quoting is JSON-compatible for paths
  } catch {
    route = m[11] ?? '';
  }
  const request: InferenceRequest = {
    timeMs: asUtc - offset * 60_000,
    user: null,
    client: m[9] ?? '',
    method: m[10] ?? '',
    route: scrubRoute(route),
    status: Number(m[7]),
    timeZoneAssumed: formatOffset(offset),
  };
  const duration = parseGoDuration(m[8] ?? '');
  if (duration !== undefined) request.durationS = duration;
  return request;
}
