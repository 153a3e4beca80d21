import { hostname } from 'node:os';
import { type CollectorConfig, prometheusMetricName, sanitizePrometheusLabel } from '@perimeter/schema';
import { createHttpClient, postExport } from '@perimeter/schema/otlp';
import { CheckpointMetricNames } from '../integrity/checkpoint-record.ts';
import { decodeSampleBlock } from '../store/sample-block.ts';
import type { SampleReads } from '../store/sample-reads.ts';
import type { SeriesIndex, SeriesInfo } from '../store/series-index.ts';
import { toSendOutcome } from './export-outcome.ts';
import { encodeWriteRequest, type PromTimeSeries } from './prompb.ts';
import type { SendOutcome, Sink, StoredBatch } from './types.ts';

/**
 * Metrics to a Prometheus remote-write receiver, from the stored sample blocks (not by decoding
 * the payload again): each sample's series is named and labelled exactly as the collector's own
 * /metrics exposition names it (OTel → Prometheus rules, `node` plus the point's attributes), so a
 * query works the same on either path. Samples go in timestamp order per series, as the spec
 * requires; logs are not carried (the cursor passes over them). A signed checkpoint becomes two
 * gauges, its sequence and its time, labelled with the collector's host and the signing key id.
 */
export type RemoteWriteSinkConfig = Extract<
  CollectorConfig['forward'][number],
  { type: 'prometheus-remote-write' }
>;

export function createRemoteWriteSink(
  name: string,
  config: RemoteWriteSinkConfig,
  deps: { samples: SampleReads; series: SeriesIndex; nowMs: () => number },
): Sink {
  const http = createHttpClient({ tls: config.tls, maxSockets: 64 });
  const labelCache = new Map<number, Array<{ name: string; value: string }> | null>();
  const labelsFor = (seriesId: number) => {
    let labels = labelCache.get(seriesId);
    if (labels === undefined) {
      const info = deps.series.get(seriesId);
      labels = info ? seriesLabels(info) : null;
      labelCache.set(seriesId, labels);
    }
    return labels;
  };
  const post = async (series: PromTimeSeries[]): Promise<SendOutcome> => {
    const outcome = await postExport(http, config.endpoint, {
      headers: {
        ...config.headers,
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
        'user-agent': 'perimeter-collector',
      },
      body: encodeWriteRequest(series),
      timeoutMs: config.timeout,
      protocol: 'remote-write',
      nowMs: deps.nowMs,
    });
    return toSendOutcome(outcome);
  };
  return {
    name,
    type: 'prometheus-remote-write',
    accepts: (batch) => batch.signal === 'metrics' && batch.pointCount > 0,
    newestCheckpointOnly: true,
    async send(batches: readonly StoredBatch[]): Promise<SendOutcome> {
      const bySeries = new Map<number, PromTimeSeries>();
      for (const batch of batches) {
        const block = deps.samples.blockOfBatch(batch.id);
        if (!block) {
          continue;
        }
        for (const [seriesId, tsMs, value] of decodeSampleBlock(block)) {
          let series = bySeries.get(seriesId);
          if (!series) {
            const labels = labelsFor(seriesId);
            if (!labels) {
              continue;
            }
            series = { labels, samples: [] };
            bySeries.set(seriesId, series);
          }
          series.samples.push({ value, timestamp: tsMs });
        }
      }
      if (bySeries.size === 0) {
        return { kind: 'ok', rejectedItems: 0 };
      }
      for (const series of bySeries.values()) {
        series.samples.sort((a, b) => a.timestamp - b.timestamp);
      }
      return post([...bySeries.values()]);
    },
    async sendCheckpoint(checkpoint) {
      const { seq, atMs, keyId } = checkpoint.body;
      const labels = (metric: string) => [
        { name: '__name__', value: metric },
        { name: 'collector', value: hostname() },
        { name: 'key_id', value: keyId },
      ];
      return post([
        { labels: labels(CheckpointMetricNames.sequence), samples: [{ value: seq, timestamp: atMs }] },
        {
          labels: labels(CheckpointMetricNames.timestamp),
          samples: [{ value: atMs / 1000, timestamp: atMs }],
        },
      ]);
    },
    close: async () => http.close(),
  };
}

/** The same name and labels as metrics/exposition.ts gives the series. */
export function seriesLabels(series: SeriesInfo): Array<{ name: string; value: string }> {
  const type = series.kind === 'counter' ? 'counter' : 'gauge';
  const labels = new Map<string, string>([
    ['__name__', prometheusMetricName(series.metric, series.unit, type)],
    ['node', series.nodeId],
  ]);
  for (const [key, value] of Object.entries(series.attributes)) {
    let label = sanitizePrometheusLabel(key);
    if (label === 'node' || label.startsWith('__')) {
      label = `attr_${label.replace(/^_+/, '')}`;
    }
    if (!labels.has(label)) {
      labels.set(label, String(value));
    }
  }
  return [...labels.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
}
