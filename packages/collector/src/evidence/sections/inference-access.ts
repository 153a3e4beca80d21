import { AttributeNames, EventNames } from '@perimeter/schema';
import { iso, toCsv } from '../render-csv.ts';
import { markdownTable } from '../render-markdown.ts';
import { defineSection, text } from '../section.ts';

/**
 * Seed 001's second question: the inference endpoint's access log for the period. Per user and
 * per node (requests, refusals, tokens), failures by status, and every request as JSON Lines in
 * seed 001's audit-log shape (ts, user, ip, model, input_tokens, output_tokens, latency_ms,
 * status). Never prompt or completion text: the agent does not read it.
 */
export interface InferenceRequestRow {
  ts: string;
  node: string;
  user: string;
  ip: string;
  model: string;
  input_tokens: number | null;
  output_tokens: number | null;
  latency_ms: number | null;
  status: number | null;
}

interface Tally {
  requests: number;
  refused: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
}

export interface InferenceAccessRows {
  requests: InferenceRequestRow[];
  byUser: Array<{ user: string } & Tally>;
  byNode: Array<{ node: string } & Tally>;
  failuresByStatus: Array<{ status: number; requests: number }>;
}

export const inferenceAccessSection = defineSection<InferenceAccessRows>({
  id: 'inferenceAccess',
  title: 'AI access: inference requests',
  controls: {
    soc2: ['CC6.1', 'CC7.2'],
    iso27001: [
      '5.15 Access control',
      '8.5 Secure authentication',
      '8.15 Logging',
      '8.16 Monitoring activities',
    ],
    basis: 'rows "SSH off/restricted" and "Alert: auth-failure spike", applied to the inference endpoint',
  },
  read({ reads, period }) {
    const requests = reads
      .eventsNamed(EventNames.inferenceRequest, period)
      .map((event): InferenceRequestRow => {
        const a = event.attributes;
        const seconds = numberOrNull(a[AttributeNames.httpServerRequestDuration]);
        return {
          ts: iso(event.tsMs),
          node: event.nodeId,
          user: text(a[AttributeNames.userName]) || '-',
          ip: text(a[AttributeNames.clientAddress]),
          model: text(a[AttributeNames.genAiRequestModel]),
          input_tokens: numberOrNull(a[AttributeNames.genAiInputTokens]),
          output_tokens: numberOrNull(a[AttributeNames.genAiOutputTokens]),
          latency_ms: seconds === null ? null : Math.round(seconds * 1000),
          status: numberOrNull(a[AttributeNames.httpResponseStatusCode]),
        };
      });
    const byUser = new Map<string, Tally>();
    const byNode = new Map<string, Tally>();
    const failures = new Map<number, number>();
    for (const r of requests) {
      for (const [map, k] of [
        [byUser, r.user],
        [byNode, r.node],
      ] as const) {
        const t = map.get(k) ?? { requests: 0, refused: 0, failed: 0, inputTokens: 0, outputTokens: 0 };
        t.requests++;
        if (r.status === 401 || r.status === 403) t.refused++;
        if (r.status !== null && r.status >= 400) t.failed++;
        t.inputTokens += r.input_tokens ?? 0;
        t.outputTokens += r.output_tokens ?? 0;
        map.set(k, t);
      }
      if (r.status !== null && r.status >= 400) failures.set(r.status, (failures.get(r.status) ?? 0) + 1);
    }
    const sorted = <K extends string>(map: Map<string, Tally>, name: K) =>
      [...map.entries()]
        .map(([k, t]) => ({ [name]: k, ...t }) as { [P in K]: string } & Tally)
        .sort((x, y) => y.requests - x.requests);
    return {
      requests,
      byUser: sorted(byUser, 'user'),
      byNode: sorted(byNode, 'node'),
      failuresByStatus: [...failures.entries()]
        .map(([status, n]) => ({ status, requests: n }))
        .sort((x, y) => x.status - y.status),
    };
  },
  markdown: (r) => [
    `${r.requests.length} inference request(s) from ${r.byUser.length} user(s) on ${r.byNode.length} node(s); ${r.failuresByStatus.reduce((n, f) => n + f.requests, 0)} answered 4xx/5xx. Users come from the proxy's access log (its configured user field), never from a token. Files: inference-access.jsonl (every request, seed 001's audit-log shape), inference-users.csv`,
    '',
    '**Per user**',
    '',
    ...tallyTable(
      'User',
      r.byUser.map((u) => [u.user, u]),
    ),
    '',
    '**Per node**',
    '',
    ...tallyTable(
      'Node',
      r.byNode.map((n) => [n.node, n]),
    ),
    '',
    '**Failures by status**',
    '',
    ...markdownTable(
      ['Status', 'Requests'],
      r.failuresByStatus.map((f) => [String(f.status), String(f.requests)]),
    ),
  ],
  csv: (r) => ({
    // Seed 001's keys in its order, then the node the request was served on.
    'inference-access.jsonl': r.requests
      .map(
        (q) =>
          `${JSON.stringify({ ts: q.ts, user: q.user, ip: q.ip, model: q.model, input_tokens: q.input_tokens, output_tokens: q.output_tokens, latency_ms: q.latency_ms, status: q.status, node: q.node })}\n`,
      )
      .join(''),
    'inference-users.csv': toCsv(
      ['user', 'requests', 'refused', 'failed', 'input_tokens', 'output_tokens'],
      r.byUser.map((u) => [u.user, u.requests, u.refused, u.failed, u.inputTokens, u.outputTokens]),
    ),
  }),
  json: (r) => ({
    inferenceAccess: {
      byUser: r.byUser,
      byNode: r.byNode,
      failuresByStatus: r.failuresByStatus,
      requests: r.requests.length,
    },
  }),
});

function tallyTable(first: string, rows: Array<[string, Tally]>): string[] {
  return markdownTable(
    [first, 'Requests', 'Refused (401/403)', 'Failed (4xx/5xx)', 'Input tokens', 'Output tokens'],
    rows.map(([name, t]) => [
      name,
      ...[t.requests, t.refused, t.failed, t.inputTokens, t.outputTokens].map(String),
    ]),
  );
}

function numberOrNull(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}
