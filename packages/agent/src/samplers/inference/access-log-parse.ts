import { monthIndex, parseZonedTimestamp, parseZoneOffset, wallClockToMs } from '../logins/log-time.ts';
import type { InferenceRequest } from './inference-request.ts';
import { scrubInferenceUser, scrubRoute } from './scrub-request.ts';

/**
 * One JSON access-log line of the proxy in front of an inference server → an InferenceRequest, or
 * null for a line that is not a request (blank, not JSON, no method). Formats:
 * - `nginx-json`: `log_format … escape=json` whose keys are nginx's variable names (ARCHITECTURE.md);
 * - `caddy-json`: Caddy's `http.log.access` entries (`request.{client_ip,method,uri}`, `status`,
 *   `size`, `bytes_read`, `duration` in seconds, `ts` in Unix seconds, `user_id`);
 * - `traefik-json`: Traefik's JSON access log (`ClientHost`, `RequestMethod`, `RequestPath`,
 *   `DownstreamStatus`, `Duration` in ns, `StartUTC`, `ClientUsername`).
 * `userField` names the key (dotted for nested) that holds the user; never a token (scrub-request.ts).
 * A proxy that also logs `model`, `input_tokens` and `output_tokens` keys has them passed on.
 */
export type JsonAccessLogFormat = 'nginx-json' | 'caddy-json' | 'traefik-json';

export const DEFAULT_USER_FIELD: Record<JsonAccessLogFormat, string> = {
  'nginx-json': 'remote_user',
  'caddy-json': 'user_id',
  'traefik-json': 'ClientUsername',
};

type Json = Record<string, unknown>;

function at(value: Json, path: string): unknown {
  if (Object.hasOwn(value, path)) return value[path];
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Json)[part];
  }
  return current;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** A finite number from a JSON number or a numeric string (nginx quotes `"$status"` in many configs). */
function num(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** `04/Dec/2026:17:15:19 +0000` (nginx time_local) → ms. */
export function parseNginxLocalTime(value: string): number | null {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})$/.exec(value);
  if (m === null) return null;
  const offset = parseZoneOffset(m[7] ?? '');
  if (offset === null) return null;
  return wallClockToMs(+m[3]!, monthIndex(m[2] ?? ''), +m[1]!, +m[4]!, +m[5]!, +m[6]!, 0, offset);
}

function usage(entry: Json): Pick<InferenceRequest, 'model' | 'inputTokens' | 'outputTokens'> {
  const out: Pick<InferenceRequest, 'model' | 'inputTokens' | 'outputTokens'> = {};
  const model = text(entry.model);
  if (model !== '') out.model = model;
  const input = num(entry.input_tokens);
  const output = num(entry.output_tokens);
  if (input !== undefined) out.inputTokens = input;
  if (output !== undefined) out.outputTokens = output;
  return out;
}

function withOptional(request: InferenceRequest, extra: Partial<InferenceRequest>): InferenceRequest {
  const out = { ...request };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) (out as Json)[key] = value;
  return out;
}

export function parseJsonAccessLine(
  line: string,
  format: JsonAccessLogFormat,
  options: { userField?: string | undefined; nowMs: number },
): InferenceRequest | null {
  if (!line.trimStart().startsWith('{')) return null;
  let entry: Json;
  try {
    entry = JSON.parse(line) as Json;
  } catch {
    return null;
  }
  if (entry === null || typeof entry !== 'object') return null;
  const userField = options.userField ?? DEFAULT_USER_FIELD[format];
  const user = scrubInferenceUser(text(at(entry, userField)));
  switch (format) {
    case 'nginx-json': {
      const method = text(entry.request_method);
      const status = num(entry.status);
      if (method === '' || status === undefined) return null;
      const time =
        parseZonedTimestamp(text(entry.time_iso8601)) ??
        parseNginxLocalTime(text(entry.time_local)) ??
        options.nowMs;
      return withOptional(
        {
          timeMs: time,
          user,
          client: text(entry.remote_addr),
          method,
          route: scrubRoute(text(entry.request_uri)),
          status,
        },
        {
          requestBytes: num(entry.request_length),
          responseBytes: num(entry.body_bytes_sent),
          durationS: num(entry.request_time),
          ...usage(entry),
        },
      );
    }
    case 'caddy-json': {
      const method = text(at(entry, 'request.method'));
      const status = num(entry.status);
      if (method === '' || status === undefined) return null;
      const ts = num(entry.ts);
      return withOptional(
        {
          timeMs: ts === undefined ? options.nowMs : Math.round(ts * 1000),
          user,
          client: text(at(entry, 'request.client_ip')) || text(at(entry, 'request.remote_ip')),
          method,
          route: scrubRoute(text(at(entry, 'request.uri'))),
          status,
        },
        {
          requestBytes: num(entry.bytes_read),
          responseBytes: num(entry.size),
          durationS: num(entry.duration),
          ...usage(entry),
        },
      );
    }
    case 'traefik-json': {
      const method = text(entry.RequestMethod);
      const status = num(entry.DownstreamStatus);
      if (method === '' || status === undefined) return null;
      const durationNs = num(entry.Duration);
      return withOptional(
        {
          timeMs: parseZonedTimestamp(text(entry.StartUTC)) ?? options.nowMs,
          user,
          client: text(entry.ClientHost),
          method,
          route: scrubRoute(text(entry.RequestPath)),
          status,
        },
        {
          requestBytes: num(entry.RequestContentSize),
          responseBytes: num(entry.DownstreamContentSize),
          durationS: durationNs === undefined ? undefined : durationNs / 1e9,
          ...usage(entry),
        },
      );
    }
  }
}
