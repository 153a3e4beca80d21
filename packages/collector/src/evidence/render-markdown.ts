import type { EvidenceReport } from './build-report.ts';
import { citationLine, SECTION_CITATIONS, type SectionId } from './citations.ts';
import { iso } from './render-csv.ts';

/** The auditor-facing report: one Markdown file, each section with its citations and its CSV. */
export function renderMarkdown(r: EvidenceReport): string {
  const out: string[] = [];
  const line = (text = '') => out.push(text);
  const table = (header: string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, max = 50) => {
    line(`| ${header.join(' | ')} |`);
    line(`|${header.map(() => '---').join('|')}|`);
    for (const row of rows.slice(0, max)) {
      line(`| ${row.map((c) => String(c).replaceAll('|', '\\|').replaceAll('\n', ' ')).join(' | ')} |`);
    }
    if (rows.length > max) {
      line(`| … ${rows.length - max} more rows in the CSV |`);
    }
    line();
  };
  const cite = (id: SectionId) => {
    line(
      `*Controls: ${citationLine(id)}* (mapping: research/compliance-and-naming.md §3, ${SECTION_CITATIONS[id].basis})`,
    );
    line();
  };
  line('# Perimeter audit evidence');
  line();
  line(`Period: ${iso(r.period.fromMs)} to ${iso(r.period.toMs)} · generated ${iso(r.generatedAtMs)}`);
  line();
  line(
    `Integrity: ${r.integrityOk ? "every node's hash chain holds" : 'BROKEN on at least one node (see section 6)'}`,
  );
  line();

  line('## 1. Inventory and coverage');
  cite('inventory');
  line(
    `${r.inventory.length} node(s). Coverage = intervals (the node's usual metric interval) holding at least one stored batch ÷ intervals in the period. File: inventory.csv`,
  );
  line();
  table(
    [
      'Node',
      'Hardware model',
      'OS',
      'Agent version',
      'First seen',
      'Last seen',
      'Interval',
      'Coverage',
      'Seq gaps',
    ],
    r.inventory.map((n) => [
      n.nodeId,
      n.hardwareModel || '-',
      `${n.osType} ${n.osVersion}`.trim() || '-',
      n.agentVersion || '-',
      iso(n.firstSeenMs),
      iso(n.lastSeenMs),
      `${n.intervalMs / 1000} s`,
      `${n.coveragePct}% (${n.intervalsWithData}/${n.intervalsInPeriod})`,
      n.seqGapsInPeriod,
    ]),
  );

  const a = r.access;
  line('## 2. Access: logins');
  cite('access');
  line(
    `${a.total} login(s), ${a.failures} failed (${a.failureRatePct}%). Files: logins.csv (every login), logins-summary.csv`,
  );
  line();
  table(
    ['Node', 'User', 'Method', 'Outcome', 'Count', 'First', 'Last'],
    a.groups.map((g) => [
      g.nodeId,
      g.user || '-',
      g.method || '-',
      g.outcome,
      g.count,
      iso(g.firstMs),
      iso(g.lastMs),
    ]),
  );
  line('Failures:');
  line(`- by node: ${a.failuresByNode.map((f) => `${f.nodeId} ${f.failures}`).join(', ') || 'none'}`);
  line(
    `- by user: ${a.failuresByUser.map((f) => `${f.user || '(unknown)'} ${f.failures}`).join(', ') || 'none'}`,
  );
  line(
    `- by source: ${
      a.failureSources
        .slice(0, 10)
        .map((f) => `${f.source || '(unknown)'} ${f.failures}`)
        .join(', ') || 'none'
    }`,
  );
  line(
    `- peak: ${a.peakFailures5m.count} failure(s) in 5 minutes${a.peakFailures5m.startMs === null ? '' : ` from ${iso(a.peakFailures5m.startMs)}`}`,
  );
  line();

  const c = r.credentials;
  line('## 3. Credentials: quarterly access review');
  cite('credentials');
  line(
    `${c.issued} token(s) issued and ${c.revoked} revoked in the period; ${c.activeAtEnd} active at its end; ${c.flagged} flagged for review. Last use is recorded to the minute. Files: tokens.csv, token-audit.csv`,
  );
  line();
  table(
    ['Token', 'Subject', 'Role', 'Created', 'Revoked', 'Last used', 'Status', 'Review'],
    c.tokens.map((t) => [
      t.id,
      t.subject,
      t.role,
      iso(t.createdAtMs),
      iso(t.revokedAtMs) || '-',
      iso(t.lastUsedAtMs) || 'never',
      t.statusAtEnd,
      t.review,
    ]),
  );
  line('Reviewed by: ____________________  Date: __________  (sign-off)');
  line();

  const ch = r.changes;
  line('## 4. Changes: configuration drift');
  cite('changes');
  line(
    `${ch.drifts.length} drift(s) from the expected configuration; ${ch.remediated} remediated (median ${duration(ch.medianTimeToRemediateMs)}, longest ${duration(ch.maxTimeToRemediateMs)}), ${ch.open} open. Time to remediate = until the same check on the same node next reported its expected value. File: drift.csv`,
  );
  line();
  table(
    ['Time', 'Node', 'Check', 'Expected', 'Observed', 'Remediated', 'Time to remediate'],
    ch.drifts.map((d) => [
      iso(d.atMs),
      d.nodeId,
      d.checkId,
      d.expected,
      d.observed,
      iso(d.remediatedAtMs) || '-',
      d.timeToRemediateMs === null ? 'open' : duration(d.timeToRemediateMs),
    ]),
  );

  const inc = r.incidents;
  line('## 5. Incidents: alerts and notifications');
  cite('incidents');
  line(
    `${inc.fired} alert(s) fired in the period, ${inc.resolved} resolved, ${inc.stillFiring} still firing at its end. ${inc.notifications.length} notification attempt(s): ${inc.notificationOutcomes.map((o) => `${o.notifier} ${o.outcome} ${o.count}`).join(', ') || 'none'}. Files: alerts.csv, notifications.csv`,
  );
  line();
  table(
    ['Alert', 'Labels', 'Fired', 'Resolved', 'Duration'],
    inc.incidents.map((i) => [
      i.name,
      i.labels,
      iso(i.firedAtMs),
      i.resolvedAtMs === null ? 'open' : iso(i.resolvedAtMs),
      duration(i.durationMs),
    ]),
  );
  table(
    ['Time', 'Notifier', 'Target', 'Attempt', 'Outcome', 'HTTP'],
    inc.notifications.map((n) => [
      iso(n.atMs),
      n.notifier,
      n.target,
      n.attempt,
      n.outcome,
      n.httpStatus ?? '-',
    ]),
  );

  line('## 6. Integrity of the record');
  cite('integrity');
  line(
    "Each node's hash chain recomputed from genesis to head over every stored batch (payload, events or samples, links), stepping over recorded pruned ranges by their edge hashes. File: integrity.csv",
  );
  line();
  for (const i of r.integrity) {
    line(`- ${i.nodeId}: ${i.verdict.summary}`);
  }
  line();

  const ret = r.retention;
  line('## 7. Retention policy');
  line();
  line(`- events (log batches): ${keep(ret.events)}`);
  line(`- metric detail (raw samples): ${keep(ret.metricDetail)}`);
  line(`- hourly metric summaries and node activity: ${keep(ret.summaries)}`);
  line(
    `- forwarded data (storage.retention): ${ret.sinks === 0 ? 'not applied (no forward sink configured)' : `${keep(ret.forwardedRetentionMs)} once every one of ${ret.sinks} sink(s) has it`}`,
  );
  line(
    '- pruning removes whole batches and records each removed run with its chain edges, so verification above still covers what remains.',
  );
  line();
  table(
    ['Node', 'Reason', 'Batches pruned', 'Received from', 'Received to'],
    r.prunedRanges.map((p) => [p.nodeId, p.reason, p.batches, iso(p.fromMs), iso(p.toMs)]),
  );
  line('Files are listed with their SHA-256 in MANIFEST.sha256 (check with `sha256sum -c MANIFEST.sha256`).');
  return `${out.join('\n')}\n`;
}

export function duration(ms: number | null): string {
  if (ms === null) {
    return '-';
  }
  const s = Math.round(ms / 1000);
  if (s < 120) {
    return `${s} s`;
  }
  if (s < 7200) {
    return `${Math.round(s / 60)} min`;
  }
  if (s < 172_800) {
    return `${(s / 3600).toFixed(1)} h`;
  }
  return `${(s / 86_400).toFixed(1)} d`;
}

function keep(ms: number): string {
  return ms === 0 ? 'kept indefinitely' : `kept ${duration(ms)}`;
}
