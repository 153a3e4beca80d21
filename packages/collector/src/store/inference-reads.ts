import { AttributeNames, EventNames } from '@perimeter/schema';
import type { SqliteDatabase } from './db.ts';

/**
 * One node's inference access over a window, for the console's node page: requests per status,
 * tokens in and out, requests per user, and the newest requests. Read from the `inference.request`
 * events (the events_name_ts index keeps each query a range scan of that name and window); the
 * derived counters are totals since ever, not per window, so they cannot answer this.
 */
export interface NodeInferenceSummary {
  requests: number;
  byStatus: Array<{ status: string; requests: number }>;
  /** Sums over the requests that carried a count (unknown is absent, never 0). */
  tokens: { input: number; output: number };
  /** Users by requests, most first, at most `userLimit`; '' is a request with no user. */
  users: Array<{ user: string; requests: number }>;
  userCount: number;
  latest: NodeInferenceRequest[];
}

export interface NodeInferenceRequest {
  timeMs: number;
  user: string;
  client: string;
  method: string;
  route: string;
  status: string;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  durationS: number | null;
}

export interface NodeInferenceQuery {
  nodeId: string;
  fromMs: number;
  toMs: number;
  /** How many of the newest requests to list. */
  latestLimit: number;
  userLimit: number;
}

const attr = (name: string) => `json_extract(attributes_json, '$."${name}"')`;
const WHERE = 'WHERE event_name = ? AND ts_ms >= ? AND ts_ms <= ? AND node_id = ?';

export function createInferenceReads(
  db: SqliteDatabase,
): (query: NodeInferenceQuery) => NodeInferenceSummary {
  const byStatus = db.prepare(
    `SELECT CAST(${attr(AttributeNames.httpResponseStatusCode)} AS TEXT) AS status, count(*) AS n,
            sum(CAST(${attr(AttributeNames.genAiInputTokens)} AS INTEGER)) AS input,
            sum(CAST(${attr(AttributeNames.genAiOutputTokens)} AS INTEGER)) AS output
     FROM events ${WHERE} GROUP BY status ORDER BY status`,
  );
  const byUser = db.prepare(
    `SELECT coalesce(${attr(AttributeNames.userName)}, '') AS user, count(*) AS n
     FROM events ${WHERE} GROUP BY user ORDER BY n DESC, user LIMIT ?`,
  );
  const userCount = db.prepare(
    `SELECT count(DISTINCT coalesce(${attr(AttributeNames.userName)}, '')) AS n FROM events ${WHERE}`,
  );
  const latest = db.prepare(
    `SELECT ts_ms, attributes_json FROM events ${WHERE} ORDER BY ts_ms DESC, id DESC LIMIT ?`,
  );

  return (query) => {
    const params = [EventNames.inferenceRequest, query.fromMs, query.toMs, query.nodeId];
    const statuses = byStatus.all(...params) as Array<{
      status: string | null;
      n: number;
      input: number | null;
      output: number | null;
    }>;
    return {
      requests: statuses.reduce((sum, row) => sum + row.n, 0),
      byStatus: statuses.map((row) => ({ status: row.status ?? 'none', requests: row.n })),
      tokens: {
        input: statuses.reduce((sum, row) => sum + (row.input ?? 0), 0),
        output: statuses.reduce((sum, row) => sum + (row.output ?? 0), 0),
      },
      users: (byUser.all(...params, query.userLimit) as Array<{ user: unknown; n: number }>).map((row) => ({
        user: String(row.user),
        requests: row.n,
      })),
      userCount: (userCount.get(...params) as { n: number }).n,
      latest: (
        latest.all(...params, query.latestLimit) as Array<{ ts_ms: number; attributes_json: string }>
      ).map((row) => requestOf(row.ts_ms, JSON.parse(row.attributes_json) as Record<string, unknown>)),
    };
  };
}

function requestOf(timeMs: number, a: Record<string, unknown>): NodeInferenceRequest {
  const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
  const count = (value: unknown) => {
    const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) ? n : null;
  };
  const model = a[AttributeNames.genAiRequestModel];
  return {
    timeMs,
    user: text(a[AttributeNames.userName]),
    client: text(a[AttributeNames.clientAddress]),
    method: text(a[AttributeNames.httpRequestMethod]),
    route: text(a[AttributeNames.httpRoute]),
    status: text(a[AttributeNames.httpResponseStatusCode]),
    model: model === undefined || model === null || model === '' ? null : String(model),
    inputTokens: count(a[AttributeNames.genAiInputTokens]),
    outputTokens: count(a[AttributeNames.genAiOutputTokens]),
    durationS: count(a[AttributeNames.httpServerRequestDuration]),
  };
}
