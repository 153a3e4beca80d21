import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ANY_IS_BAD, amberThenRed, DashboardUids, perimeterDashboard, UP_MAP } from './common-panels.ts';
import { COLLECTOR_JOB, Prom, PrometheusOwn } from './metric-names.ts';
import { Colors, row, stat, timeseries } from './panels.ts';

/**
 * Collector health: is the pipe intact. Ingest (what arrives, what is refused and why, gaps in a
 * node's sequence), forwarding (lag, queue, retries, dead letters, drops), the store against its
 * quota, and the agents' spools behind it. Loss is never silent: every panel that can show loss
 * turns red at the first batch.
 */
const ri = '$__rate_interval';

export function buildCollectorHealth(): dashboard.Dashboard {
  return perimeterDashboard({
    uid: DashboardUids.collector,
    title: 'Perimeter / Collector health',
    description:
      'Ingest, rejects, gaps, forwarding lag and queues, dead letters, drops, store quota and agent spools.',
    tags: ['collector'],
  })
    .withRow(row('Now'))
    .withPanel(
      stat({
        title: 'Collector scrape',
        description: `Prometheus can scrape the collector (job ${COLLECTOR_JOB}).`,
        width: 4,
        height: 4,
        mappings: [UP_MAP],
        thresholds: [
          [null, Colors.bad],
          [1, Colors.ok],
        ],
        queries: [{ expr: `${PrometheusOwn.up}{job="${COLLECTOR_JOB}"}`, legend: '{{instance}}' }],
      }),
    )
    .withPanel(
      stat({
        title: 'Batches stored / s',
        description: 'OTLP requests committed to the store per second (metrics and logs).',
        width: 4,
        height: 4,
        unit: 'reqps',
        thresholds: [[null, Colors.info]],
        sparkline: true,
        queries: [{ expr: `sum(rate(${Prom.ingestBatches}{result="stored"}[${ri}]))` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Store size',
        description:
          'Size of the SQLite store. Past storage.maxBytes the oldest data is dropped, forwarded or not.',
        width: 4,
        height: 4,
        unit: 'bytes',
        thresholds: [[null, Colors.info]],
        sparkline: true,
        queries: [{ expr: Prom.storeBytes }],
      }),
    )
    .withPanel(
      stat({
        title: 'Over quota',
        description:
          '1 while the store is over its hard quota or the disk is nearly full: unforwarded data is being dropped.',
        width: 4,
        height: 4,
        thresholds: ANY_IS_BAD,
        queries: [{ expr: Prom.storeQuotaExceeded }],
      }),
    )
    .withPanel(
      stat({
        title: 'Dead letters open',
        description:
          'Batches an upstream refused for good (a 4xx other than 429), parked until fixed and retried (`perimeter-collector forward dead-letters`).',
        width: 4,
        height: 4,
        unit: 'short',
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum(${Prom.forwardDeadLetters})` }],
      }),
    )
    .withPanel(
      stat({
        title: 'Alert evaluation',
        description: 'Wall time of the collector’s last alert evaluation cycle.',
        width: 4,
        height: 4,
        unit: 's',
        thresholds: amberThenRed(1, 5),
        queries: [{ expr: Prom.alertsEvaluationSeconds }],
      }),
    )
    .withRow(row('Ingest'))
    .withPanel(
      timeseries({
        title: 'Ingest rate by signal and result',
        description:
          'OTLP requests per second: stored, duplicate (a retry of a batch already stored: harmless, counted once) and rejected (see the reasons beside).',
        width: 8,
        height: 8,
        unit: 'reqps',
        min: 0,
        queries: [
          {
            expr: `sum by (signal, result) (rate(${Prom.ingestBatches}[${ri}]))`,
            legend: '{{signal}} {{result}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Points and events stored / s',
        description: 'Metric data points and log records (events) committed per second.',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        queries: [
          { expr: `sum(rate(${Prom.ingestPoints}[${ri}]))`, legend: 'points' },
          { expr: `sum(rate(${Prom.ingestEvents}[${ri}]))`, legend: 'events' },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Rejects by reason',
        description:
          'Refused requests (and refused items inside accepted ones) per second by reason: bad_json, body_too_large, invalid_token, wrong_node, partial_item… Never a 500 for bad input.',
        width: 8,
        height: 8,
        unit: 'reqps',
        min: 0,
        queries: [{ expr: `sum by (reason) (rate(${Prom.ingestRejects}[${ri}]))`, legend: '{{reason}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Sequence gaps by node',
        description:
          'Batches a node’s stream skipped (X-Perimeter-Seq jumped): lost on the node (spool overflow) or in transit. Each gap is recorded in the store and shown by replay.',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        bars: true,
        thresholds: ANY_IS_BAD,
        queries: [{ expr: `sum by (node) (increase(${Prom.ingestGaps}[${ri}]))`, legend: '{{node}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Node clock skew',
        description:
          'Newest sample time in each node’s latest batch minus its arrival: positive = node clock ahead. ClockSkew warns when above 30 s for 5 min; a few seconds of negative skew is the agent interval.',
        width: 8,
        height: 8,
        unit: 's',
        thresholds: [
          [null, Colors.ok],
          [30, Colors.bad],
        ],
        thresholdLines: true,
        queries: [{ expr: Prom.ingestClockSkew, legend: '{{node}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Agent spools',
        description:
          'Batches waiting in each agent’s spool and the age of the oldest. A growing spool is an agent that cannot reach the collector; it ships everything once it can.',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        queries: [
          { expr: Prom.spoolBatches, legend: '{{node}} batches' },
          { expr: Prom.spoolOldestAge, legend: '{{node}} oldest (s)' },
        ],
      }).overrideByRegexp('.*oldest \\(s\\)$', [
        { id: 'unit', value: 's' },
        { id: 'custom.axisPlacement', value: 'right' },
      ]),
    )
    .withRow(row('Forwarding'))
    .withPanel(
      timeseries({
        title: 'Forward lag by sink',
        description:
          'Age of the oldest stored batch each sink has not delivered (0 = caught up). ForwardLag warns when it stays above 300 s for 10 min; the store keeps everything meanwhile.',
        width: 8,
        height: 8,
        unit: 's',
        min: 0,
        thresholds: amberThenRed(60, 300),
        thresholdLines: true,
        queries: [{ expr: Prom.forwardLag, legend: '{{sink}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Forward queue depth',
        description: 'Stored batches (and their bytes, right axis) past each sink’s cursor.',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        queries: [
          { expr: Prom.forwardQueueBatches, legend: '{{sink}} batches' },
          { expr: Prom.forwardQueueBytes, legend: '{{sink}} bytes' },
        ],
      }).overrideByRegexp('.* bytes$', [
        { id: 'unit', value: 'bytes' },
        { id: 'custom.axisPlacement', value: 'right' },
      ]),
    )
    .withPanel(
      timeseries({
        title: 'Forwarded batches / s',
        description: 'Batches each sink’s upstream acknowledged per second.',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        queries: [{ expr: `sum by (sink) (rate(${Prom.forwardSentBatches}[${ri}]))`, legend: '{{sink}}' }],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Forward failures by reason',
        description:
          'Failed upstream requests per second by reason (network, 429, 503, timeout, permanent…). Retryable ones are retried with capped backoff; permanent ones become dead letters. A retry is never a drop.',
        width: 8,
        height: 8,
        unit: 'reqps',
        min: 0,
        queries: [
          {
            expr: `sum by (sink, reason) (rate(${Prom.forwardFailures}[${ri}]))`,
            legend: '{{sink}} {{reason}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries({
        title: 'Dead letters',
        description:
          'Open dead letters per sink, and batches dead-lettered per interval (dashed). Fix the upstream (auth, schema), then retry them.',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        thresholds: ANY_IS_BAD,
        queries: [
          { expr: Prom.forwardDeadLetters, legend: '{{sink}} open' },
          { expr: `sum by (sink) (increase(${Prom.forwardDeadLettered}[${ri}]))`, legend: '{{sink}} new' },
        ],
      }).overrideByRegexp('.* new$', [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }]),
    )
    .withPanel(
      timeseries({
        title: 'Drops',
        description:
          'Data lost on purpose, per interval: unforwarded batches dropped at the hard quota per sink (ForwardDropping pages on any), items an upstream rejected in partial_success, agent spool overflows per node (SpoolOverflow), and batches pruned (forwarded and past retention: expected).',
        width: 8,
        height: 8,
        unit: 'short',
        min: 0,
        thresholds: ANY_IS_BAD,
        queries: [
          {
            expr: `sum by (sink) (increase(${Prom.forwardDropped}[${ri}]))`,
            legend: '{{sink}} dropped at quota',
          },
          {
            expr: `sum by (sink) (increase(${Prom.forwardPartialRejected}[${ri}]))`,
            legend: '{{sink}} partial rejects',
          },
          {
            expr: `sum by (node) (increase(${Prom.spoolDropped}[${ri}]))`,
            legend: '{{node}} spool overflow',
          },
          { expr: `increase(${Prom.storePruned}[${ri}])`, legend: 'pruned (retention)' },
        ],
      }),
    )
    .build();
}
