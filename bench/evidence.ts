#!/usr/bin/env node
/**
 * Evidence generation over --days × --nodes of synthetic history, written through the real store
 * API (openStore().writeBatch, as bench/replay.ts does): every --interval seconds each node sends a
 * metrics batch of --points samples; once an hour a logs batch with one auth.login (every 7th a
 * failure) and, once a day, a config.drift and its remediation an hour later. Then the evidence
 * report for the whole period (all five sections + every node's full chain verification), built and
 * written as `perimeter-collector evidence` does, --runs times.
 *
 *   node bench/evidence.ts [--nodes 20] [--days 90] [--interval 60] [--points 20] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@perimeter/collector';
import { buildEvidence } from '../packages/collector/src/evidence/build-report.ts';
import type { AccessRows } from '../packages/collector/src/evidence/sections/access.ts';
import type { ChangesRows } from '../packages/collector/src/evidence/sections/changes.ts';
import type { NodeIntegrity } from '../packages/collector/src/evidence/sections/integrity.ts';
import type { InventoryRow } from '../packages/collector/src/evidence/sections/inventory.ts';
import { reportJson, writeReport } from '../packages/collector/src/evidence/write-report.ts';
import type { DecodedEvent } from '../packages/collector/src/otlp/types.ts';
import {
  gzipJsonNode,
  historyFlags,
  metricsPayload,
  openBenchStore,
  writeSyntheticHistory,
} from './lib/synthetic-store.ts';

const history = historyFlags({ days: 90, runs: 3 });

const { dataDir, store } = openBenchStore('evidence');
const payload = metricsPayload(history.points);
const resource = (n: number) => ({
  'perimeter.node.id': `node-${n}`,
  'host.model': 'Mac16,10',
  'os.type': 'darwin',
  'os.version': '15.5',
  'service.version': '0.3.1',
});
const buildStarted = performance.now();
const { batches } = writeSyntheticHistory(store, {
  ...history,
  node: (n) => gzipJsonNode(n, payload),
  resource,
  points: (_n, t) =>
    Array.from({ length: history.points }, (_, i) => ({
      metric: 'system.cpu.utilization',
      unit: '1',
      kind: 'gauge' as const,
      attributes: [['cpu', `${i}`] as const],
      timeMs: t,
      value: (i + t / history.intervalMs) % 100,
    })),
  // One auth.login an hour (every 7th a failure); a config.drift at 03:00 remediated at 04:00.
  hourlyEvents: (_n, t, hour) => {
    const events: DecodedEvent[] = [
      {
        timeMs: t + 100,
        observedMs: null,
        eventName: 'auth.login',
        severity: 9,
        body: 'login',
        attributes: {
          'auth.outcome': hour % 7 === 0 ? 'failure' : 'success',
          'auth.method': 'ssh',
          'user.name': 'ops',
        },
      },
    ];
    if (hour % 24 === 3 || hour % 24 === 4) {
      events.push({
        timeMs: t + 150,
        observedMs: null,
        eventName: 'config.drift',
        severity: 13,
        body: 'drift',
        attributes: {
          'check.id': 'macos.firewall',
          expected: 'on',
          observed: hour % 24 === 3 ? 'off' : 'on',
          previous: '',
        },
      });
    }
    return events;
  },
});
const buildSeconds = (performance.now() - buildStarted) / 1000;
const storeBytes = store.sizeBytes();
await store.close();
console.log(
  `store: ${history.nodes} nodes × ${history.days} days at ${history.intervalMs / 1000} s, ${history.points} samples per metrics batch + 1 logs batch/hour: ${batches} batches, ${(storeBytes / 2 ** 20).toFixed(0)} MiB, built in ${buildSeconds.toFixed(0)} s`,
);

const times: number[] = [];
let summary = '';
for (let run = 0; run < history.runs; run++) {
  const reader = openStore({ dataDir, synchronous: 'NORMAL' });
  const out = mkdtempSync(join(tmpdir(), 'perimeter-bench-evidence-out-'));
  const started = performance.now();
  const report = buildEvidence(reader, {
    period: { fromMs: history.startMs, toMs: history.endMs },
    nowMs: Date.now,
    progress: () => {},
    retention: {
      events: 365 * 86_400_000,
      metricDetail: 30 * 86_400_000,
      summaries: 400 * 86_400_000,
      forwardedRetentionMs: 0,
      sinks: 0,
    },
  });
  const files = writeReport(out, report);
  times.push(performance.now() - started);
  const json = reportJson(report) as {
    access: AccessRows;
    changes: ChangesRows;
    inventory: InventoryRow[];
    integrity: NodeIntegrity[];
  };
  summary = `${files.length} files; ${json.access.total} logins; ${json.changes.drifts.length} drifts; coverage node-0 ${json.inventory[0]?.coveragePct}%; ${json.integrity[0]?.verdict.summary}`;
  await reader.close();
  rmSync(out, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
console.log(
  `evidence ${history.days} d × ${history.nodes} nodes: median ${((times[Math.floor(times.length / 2)] as number) / 1000).toFixed(1)} s, min ${((times[0] as number) / 1000).toFixed(1)} s, max ${((times[times.length - 1] as number) / 1000).toFixed(1)} s over ${history.runs} runs (${summary})`,
);
rmSync(dataDir, { recursive: true, force: true });
