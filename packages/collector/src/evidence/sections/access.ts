import { AttributeNames, EventNames } from '@perimeter/schema';
import { iso, toCsv } from '../render-csv.ts';
import { markdownTable, markdownText } from '../render-markdown.ts';
import { defineSection, eventRow } from '../section.ts';

/** Who logged in where (auth.login events in the period), grouped, with the failure summary. */
export interface LoginRow {
  atMs: number;
  nodeId: string;
  user: string;
  method: string;
  outcome: string;
  source: string;
}

export interface LoginGroup {
  nodeId: string;
  user: string;
  method: string;
  outcome: string;
  count: number;
  firstMs: number;
  lastMs: number;
}

export interface AccessRows {
  logins: LoginRow[];
  groups: LoginGroup[];
  total: number;
  failures: number;
  failureRatePct: number;
  failuresByNode: Array<{ nodeId: string; failures: number }>;
  failuresByUser: Array<{ user: string; failures: number }>;
  failureSources: Array<{ source: string; failures: number }>;
  /** The most failures in any 5-minute window, and where it starts. */
  peakFailures5m: { count: number; startMs: number | null };
}

export const accessSection = defineSection<AccessRows>({
  id: 'access',
  title: 'Access: logins',
  controls: {
    soc2: ['CC6.1', 'CC7.2', 'CC7.3'],
    iso27001: [
      '5.15 Access control',
      '8.5 Secure authentication',
      '8.15 Logging',
      '8.16 Monitoring activities',
    ],
    basis: 'rows "SSH off/restricted" and "Alert: auth-failure spike"',
  },
  read({ reads, period }) {
    const logins = reads.eventsNamed(EventNames.authLogin, period).map(
      (event): LoginRow =>
        eventRow(event, {
          user: AttributeNames.userName,
          method: AttributeNames.authMethod,
          outcome: AttributeNames.authOutcome,
          source: AttributeNames.sourceAddress,
        }),
    );
    const groups = new Map<string, LoginGroup>();
    for (const l of logins) {
      const key = JSON.stringify([l.nodeId, l.user, l.method, l.outcome]);
      const g = groups.get(key);
      if (g === undefined) {
        groups.set(key, {
          nodeId: l.nodeId,
          user: l.user,
          method: l.method,
          outcome: l.outcome,
          count: 1,
          firstMs: l.atMs,
          lastMs: l.atMs,
        });
      } else {
        g.count++;
        g.lastMs = l.atMs;
      }
    }
    const failures = logins.filter((l) => l.outcome === 'failure');
    const tally = (key: (l: LoginRow) => string) => {
      const counts = new Map<string, number>();
      for (const l of failures) {
        counts.set(key(l), (counts.get(key(l)) ?? 0) + 1);
      }
      return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    };
    let peak = { count: 0, startMs: null as number | null };
    for (let i = 0, j = 0; i < failures.length; i++) {
      while ((failures[i] as LoginRow).atMs - (failures[j] as LoginRow).atMs >= 300_000) {
        j++;
      }
      if (i - j + 1 > peak.count) {
        peak = { count: i - j + 1, startMs: (failures[j] as LoginRow).atMs };
      }
    }
    return {
      logins,
      groups: [...groups.values()].sort(
        (a, b) =>
          a.nodeId.localeCompare(b.nodeId) ||
          a.user.localeCompare(b.user) ||
          a.method.localeCompare(b.method) ||
          a.outcome.localeCompare(b.outcome),
      ),
      total: logins.length,
      failures: failures.length,
      failureRatePct: logins.length === 0 ? 0 : Math.round((failures.length / logins.length) * 1000) / 10,
      failuresByNode: tally((l) => l.nodeId).map(([nodeId, n]) => ({ nodeId, failures: n })),
      failuresByUser: tally((l) => l.user).map(([user, n]) => ({ user, failures: n })),
      failureSources: tally((l) => l.source).map(([source, n]) => ({ source, failures: n })),
      peakFailures5m: peak,
    };
  },
  markdown: (a) => [
    `${a.total} login(s), ${a.failures} failed (${a.failureRatePct}%). Files: logins.csv (every login), logins-summary.csv`,
    '',
    ...markdownTable(
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
    ),
    'Failures:',
    `- by node: ${a.failuresByNode.map((f) => `${markdownText(f.nodeId)} ${f.failures}`).join(', ') || 'none'}`,
    `- by user: ${a.failuresByUser.map((f) => `${markdownText(f.user || '(unknown)')} ${f.failures}`).join(', ') || 'none'}`,
    `- by source: ${
      a.failureSources
        .slice(0, 10)
        .map((f) => `${markdownText(f.source || '(unknown)')} ${f.failures}`)
        .join(', ') || 'none'
    }`,
    `- peak: ${a.peakFailures5m.count} failure(s) in 5 minutes${a.peakFailures5m.startMs === null ? '' : ` from ${iso(a.peakFailures5m.startMs)}`}`,
    '',
  ],
  csv: (a) => ({
    'logins.csv': toCsv(
      ['time', 'node', 'user', 'method', 'outcome', 'source'],
      a.logins.map((l) => [iso(l.atMs), l.nodeId, l.user, l.method, l.outcome, l.source]),
    ),
    'logins-summary.csv': toCsv(
      ['node', 'user', 'method', 'outcome', 'count', 'first', 'last'],
      a.groups.map((g) => [g.nodeId, g.user, g.method, g.outcome, g.count, iso(g.firstMs), iso(g.lastMs)]),
    ),
  }),
});
