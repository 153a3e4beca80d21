import type { EvidenceReport } from './build-report.ts';

/**
 * The tables as RFC 4180 CSV (CRLF, quoted where needed, a header row), one file per table, so an
 * auditor can sample rows in a spreadsheet. Times are RFC 3339 UTC; an empty cell means none.
 */
type Cell = string | number | boolean | null;

export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  return [header, ...rows]
    .map((row) => row.map(csvCell).join(','))
    .join('\r\n')
    .concat('\r\n');
}

function csvCell(value: Cell): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function iso(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}

export function renderCsvFiles(r: EvidenceReport): Record<string, string> {
  return {
    'inventory.csv': toCsv(
      [
        'node',
        'host_name',
        'hardware_model',
        'os_type',
        'os_version',
        'agent_version',
        'first_seen',
        'last_seen',
        'interval_s',
        'intervals_with_data',
        'intervals_in_period',
        'coverage_pct',
        'batches_in_period',
        'seq_gaps_in_period',
      ],
      r.inventory.map((n) => [
        n.nodeId,
        n.hostName,
        n.hardwareModel,
        n.osType,
        n.osVersion,
        n.agentVersion,
        iso(n.firstSeenMs),
        iso(n.lastSeenMs),
        n.intervalMs / 1000,
        n.intervalsWithData,
        n.intervalsInPeriod,
        n.coveragePct,
        n.batchesInPeriod,
        n.seqGapsInPeriod,
      ]),
    ),
    'logins.csv': toCsv(
      ['time', 'node', 'user', 'method', 'outcome', 'source'],
      r.access.logins.map((l) => [iso(l.atMs), l.nodeId, l.user, l.method, l.outcome, l.source]),
    ),
    'logins-summary.csv': toCsv(
      ['node', 'user', 'method', 'outcome', 'count', 'first', 'last'],
      r.access.groups.map((g) => [
        g.nodeId,
        g.user,
        g.method,
        g.outcome,
        g.count,
        iso(g.firstMs),
        iso(g.lastMs),
      ]),
    ),
    'tokens.csv': toCsv(
      [
        'token_id',
        'subject',
        'role',
        'created',
        'revoked',
        'last_used',
        'status_at_end',
        'issued_in_period',
        'revoked_in_period',
        'review',
      ],
      r.credentials.tokens.map((t) => [
        t.id,
        t.subject,
        t.role,
        iso(t.createdAtMs),
        iso(t.revokedAtMs),
        iso(t.lastUsedAtMs),
        t.statusAtEnd,
        t.issuedInPeriod,
        t.revokedInPeriod,
        t.review,
      ]),
    ),
    'token-audit.csv': toCsv(
      ['time', 'actor', 'action', 'detail'],
      r.credentials.audit.map((a) => [iso(a.atMs), a.actor, a.action, a.detail]),
    ),
    'drift.csv': toCsv(
      [
        'time',
        'node',
        'check',
        'controls',
        'expected',
        'observed',
        'previous',
        'remediated',
        'time_to_remediate_s',
      ],
      r.changes.drifts.map((d) => [
        iso(d.atMs),
        d.nodeId,
        d.checkId,
        d.controls,
        d.expected,
        d.observed,
        d.previous,
        iso(d.remediatedAtMs),
        d.timeToRemediateMs === null ? 'open' : d.timeToRemediateMs / 1000,
      ]),
    ),
    'alerts.csv': toCsv(
      ['alert', 'labels', 'fired', 'resolved', 'duration_s', 'value'],
      r.incidents.incidents.map((i) => [
        i.name,
        i.labels,
        iso(i.firedAtMs),
        i.resolvedAtMs === null ? 'open' : iso(i.resolvedAtMs),
        i.durationMs / 1000,
        i.value,
      ]),
    ),
    'notifications.csv': toCsv(
      ['time', 'notifier', 'target', 'attempt', 'outcome', 'http_status', 'error', 'alerts'],
      r.incidents.notifications.map((n) => [
        iso(n.atMs),
        n.notifier,
        n.target,
        n.attempt,
        n.outcome,
        n.httpStatus,
        n.error,
        n.alertCount,
      ]),
    ),
    'integrity.csv': toCsv(
      ['node', 'ok', 'batches_checked', 'pruned_batches', 'summary'],
      r.integrity.map((i) => [
        i.nodeId,
        i.verdict.ok,
        i.verdict.checked,
        i.verdict.pruned.reduce((s, p) => s + p.batchCount, 0),
        i.verdict.summary,
      ]),
    ),
  };
}
