#!/usr/bin/env node
/**
 * Alert evaluation: wall time of one cycle of the default rule pack (deploy/rules/perimeter.rules.yaml)
 * over --nodes nodes, median of --cycles. The series go in through the real ingest path (the
 * collector app over a real SQLite store, OTLP JSON requests, as agents send them): per node ten
 * minutes at a 10 s interval of CPU, GPU and NVMe temperatures (the CPU one with its own
 * high.critical limit), two fans, GPU utilisation, thermal pressure, six drift checks and the
 * agent's spool-dropped counter, plus a few auth failures; some nodes are hot, saturated or
 * drifted so the state machine has alerts to carry. One cycle is what `serve` runs each interval:
 * read the blocks stored since the last cycle, sample the collector's registry (node last-seen,
 * auth counters, clock skew, forward lag), evaluate every rule, advance and persist the states.
 *
 *   node bench/alerts.ts [--nodes 1000] [--cycles 5]
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MetricNames, MetricUnits } from '@perimeter/schema';
import { metricsReadBy, retentionFor } from '../packages/collector/src/alerts/alerting-service.ts';
import { createAlertEngine } from '../packages/collector/src/alerts/engine.ts';
import { DEFAULT_RULES_FILE, loadRuleFiles } from '../packages/collector/src/alerts/load-rules.ts';
import { createSampleWindow } from '../packages/collector/src/alerts/sample-window.ts';
import { createTestCollector } from '../packages/collector/src/test-support/test-collector.ts';
import { median } from '../test/helpers/processes.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    cycles: { type: 'string', default: '5' },
  },
});
const NODES = Number(values.nodes);
const CYCLES = Number(values.cycles);
const INTERVAL_MS = 10_000;
const HISTORY_MS = 10 * 60_000;
const EVALUATION_INTERVAL_MS = 15_000;

const kv = (key: string, value: string) => ({ key, value: { stringValue: value } });
const nanos = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const DRIFT_CHECKS = [
  'linux.disk.encrypted',
  'linux.ssh.password_auth',
  'linux.ssh.root_login',
  'linux.firewall.enabled',
  'linux.ntp.synced',
  'linux.updates.automatic',
];

/** One node's ten minutes as one OTLP request (an agent draining its spool sends the same shape). */
function nodeRequest(index: number, nodeId: string, times: readonly number[]): string {
  const hot = index % 50 === 0; // 2 %: a GPU over 90 °C, a stalled fan, heavy pressure
  const busy = index % 20 === 0; // 5 %: a saturated GPU
  const drifted = index % 25 === 0; // 4 %: ssh password auth on, and disk encryption off on a few
  const gauge = (
    name: string,
    series: Array<{ attributes: ReturnType<typeof kv>[]; value: (i: number) => number }>,
  ) => ({
    name,
    unit: MetricUnits[name as keyof typeof MetricUnits],
    gauge: {
      dataPoints: series.flatMap((s) =>
        times.map((t, i) => ({ timeUnixNano: nanos(t), asDouble: s.value(i), attributes: s.attributes })),
      ),
    },
  });
  const wobble = (i: number) => ((index * 7 + i) % 5) / 10;
  const metrics = [
    gauge(MetricNames.hwTemperature, [
      { attributes: [kv('hw.id', 'cpu0'), kv('hw.name', 'Package id 0')], value: (i) => 55 + wobble(i) },
      {
        attributes: [kv('hw.id', 'gpu0'), kv('hw.name', 'GPU 0')],
        value: (i) => (hot ? 93 : 65) + wobble(i),
      },
      { attributes: [kv('hw.id', 'nvme0'), kv('hw.name', 'nvme Composite')], value: (i) => 41 + wobble(i) },
    ]),
    gauge(MetricNames.hwTemperatureLimit, [
      {
        attributes: [
          kv('hw.id', 'cpu0'),
          kv('hw.name', 'Package id 0'),
          kv('hw.limit_type', 'high.critical'),
        ],
        value: () => 100,
      },
    ]),
    gauge(MetricNames.hwFanSpeed, [
      { attributes: [kv('hw.id', 'fan0'), kv('hw.name', 'fan1')], value: () => (hot ? 0 : 2400) },
      { attributes: [kv('hw.id', 'fan1'), kv('hw.name', 'fan2')], value: () => 2200 },
    ]),
    gauge(MetricNames.hwGpuUtilization, [
      {
        attributes: [kv('hw.id', 'gpu0'), kv('hw.name', 'GPU 0')],
        value: (i) => (busy ? 0.99 : 0.4 + wobble(i)),
      },
    ]),
    gauge(MetricNames.thermalPressure, [{ attributes: [], value: () => (hot ? 2 : 0) }]),
    gauge(
      MetricNames.driftCheck,
      DRIFT_CHECKS.map((check, c) => ({
        attributes: [kv('check.id', check), kv('check.controls', `CIS-${c + 1}`)],
        value: () => (drifted && (c === 1 || (c === 0 && index % 100 === 0)) ? 0 : 1),
      })),
    ),
    {
      name: MetricNames.agentSpoolDropped,
      unit: MetricUnits[MetricNames.agentSpoolDropped],
      sum: {
        isMonotonic: true,
        aggregationTemporality: 2,
        dataPoints: times.map((t, i) => ({
          timeUnixNano: nanos(t),
          asDouble: index % 100 === 1 ? Math.floor(i / 10) : 0,
          startTimeUnixNano: nanos(START_MS),
        })),
      },
    },
  ];
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [kv('perimeter.node.id', nodeId), kv('host.name', nodeId)] },
        scopeMetrics: [{ scope: { name: 'bench' }, metrics }],
      },
    ],
  });
}

function authRequest(nodeId: string, timeMs: number, count: number): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [kv('perimeter.node.id', nodeId)] },
        scopeLogs: [
          {
            scope: { name: 'bench' },
            logRecords: Array.from({ length: count }, (_, i) => ({
              timeUnixNano: nanos(timeMs - i * 1000),
              severityNumber: 13,
              body: { stringValue: 'Failed password for admin from 203.0.113.9' },
              attributes: [
                kv('event.name', 'auth.login'),
                kv('auth.outcome', 'failure'),
                kv('auth.method', 'ssh'),
                kv('user.name', 'admin'),
              ],
            })),
          },
        ],
      },
    ],
  });
}

const collector = createTestCollector();
const endMs = Date.parse('2026-11-23T12:00:00Z');
const START_MS = endMs - HISTORY_MS;
const nodeIds = Array.from({ length: NODES }, (_, i) => `node-${String(i).padStart(4, '0')}`);
const seqs = new Map<string, number>();
let points = 0;

async function post(nodeId: string, signal: 'metrics' | 'logs', body: string): Promise<void> {
  const seq = (seqs.get(nodeId) ?? 0) + 1;
  seqs.set(nodeId, seq);
  const response = await collector.post(signal, body, {
    token: collector.tokenFor(nodeId),
    stream: `bench-${nodeId}`,
    seq,
  });
  if (response.status !== 200) {
    throw new Error(`${nodeId} ${signal}: ${response.status} ${await response.text()}`);
  }
}

/** Every node sends its readings at `times` (one agent batch, or a spool drain of many). */
async function sendAll(times: readonly number[]): Promise<void> {
  for (const [i, nodeId] of nodeIds.entries()) {
    const body = nodeRequest(i, nodeId, times);
    await post(nodeId, 'metrics', body);
    points += (
      JSON.parse(body).resourceMetrics[0].scopeMetrics[0].metrics as Array<{
        gauge?: { dataPoints: unknown[] };
        sum?: { dataPoints: unknown[] };
      }>
    ).reduce((n, m) => n + ((m.gauge ?? m.sum)?.dataPoints.length ?? 0), 0);
  }
}

collector.clock.nowMs = endMs;
const loadStarted = performance.now();
const history: number[] = [];
for (let t = START_MS + INTERVAL_MS; t <= endMs; t += INTERVAL_MS) {
  history.push(t);
}
await sendAll(history);
for (const [i, nodeId] of nodeIds.entries()) {
  await post(nodeId, 'logs', authRequest(nodeId, endMs, i % 10 === 0 ? 12 : 1));
}
const loadSeconds = (performance.now() - loadStarted) / 1000;

const ruleSet = loadRuleFiles([DEFAULT_RULES_FILE]);
const windowStarted = performance.now();
const window = createSampleWindow({
  store: collector.store,
  series: collector.store.series,
  registry: collector.metrics.registry,
  metrics: metricsReadBy(ruleSet.rules),
  retentionMs: retentionFor(ruleSet.rules) + EVALUATION_INTERVAL_MS,
  nowMs: endMs,
});
const windowMs = performance.now() - windowStarted;
const engine = createAlertEngine({
  rules: ruleSet.rules,
  source: window,
  store: collector.store.alerts,
  intervalMs: EVALUATION_INTERVAL_MS,
  resendMs: 60_000,
  externalUrl: 'http://127.0.0.1:4318',
});

const cycles: number[] = [];
let lastTransitions = 0;
for (let c = 0; c < CYCLES; c++) {
  // Evaluation times step by the interval, as the loop runs them; between two cycles every node
  // sends its batches (not timed), so each cycle also reads the blocks stored since the last one.
  const tMs = endMs + (c + 1) * EVALUATION_INTERVAL_MS;
  collector.clock.nowMs = tMs;
  const fresh: number[] = [];
  for (let t = tMs - EVALUATION_INTERVAL_MS + INTERVAL_MS; t <= tMs; t += INTERVAL_MS) {
    fresh.push(t);
  }
  await sendAll(fresh);
  const result = await engine.evaluate(tMs);
  cycles.push(result.durationMs);
  lastTransitions = result.transitions.length;
}
// Series evaluated: every series a rule reads (node series from the blocks, registry series
// sampled by the cycles: node last-seen, auth counters).
let selected = 0;
for (const metric of metricsReadBy(ruleSet.rules)) {
  selected += [...window.select(metric)].length;
}

const states = engine.alerts();
const count = (state: string) => states.filter((a) => a.state === state).length;

const f = (v: number, digits = 1) =>
  v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
console.log(
  `alert evaluation, default pack (${ruleSet.rules.length} rules), ${NODES.toLocaleString('en-US')} nodes, ` +
    `${points.toLocaleString('en-US')} points (${HISTORY_MS / 60_000} min of history loaded through the ingest path in ${f(loadSeconds)} s, then one batch per node between cycles)`,
);
console.log(
  [
    `ms per cycle ${f(median(cycles))} median of ${CYCLES} (${f(Math.min(...cycles))}–${f(Math.max(...cycles))}; first ${f(cycles[0] as number)})`,
    `series evaluated ${selected.toLocaleString('en-US')}`,
    `window load from store ${f(windowMs)} ms`,
    `alerts pending ${count('pending')} firing ${count('firing')} resolved ${count('inactive')}`,
    `transitions in last cycle ${lastTransitions}`,
  ].join(' | '),
);
collector.close();
rmSync(collector.dataDir, { recursive: true, force: true });
