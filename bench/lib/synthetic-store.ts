import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { openStore, type Store } from '@perimeter/collector';
import type { AttributeValue, DecodedEvent, DecodedPoint } from '../../packages/collector/src/otlp/types.ts';

/**
 * What the store benchmarks (replay, evidence, console) share: numeric flags, a fresh store in a
 * temp directory, and synthetic history written through the real store API (openStore().writeBatch:
 * chain, sample blocks, events, as ingest writes them), so each bench only says what its nodes send.
 */

/** The end of the synthetic history of the replay and evidence benches: fixed, so runs compare. */
const HISTORY_END_MS = Date.parse('2026-11-23T00:00:00Z');

/** `--name N` flags with numeric defaults (strict: an unknown flag is an error, as with parseArgs). */
export function numberFlags<K extends string>(defaults: Record<K, number>): Record<K, number> {
  const names = Object.keys(defaults) as K[];
  const { values } = parseArgs({
    options: Object.fromEntries(
      names.map((name) => [name, { type: 'string', default: String(defaults[name]) }]),
    ),
  });
  return Object.fromEntries(names.map((name) => [name, Number(values[name])])) as Record<K, number>;
}

export interface HistoryFlags {
  nodes: number;
  days: number;
  intervalMs: number;
  points: number;
  runs: number;
  startMs: number;
  endMs: number;
}

/**
 * `[--nodes 20] [--days D] [--interval 60] [--points 20] [--runs R]`: the history the replay and
 * evidence benches build, ending at HISTORY_END_MS.
 */
export function historyFlags(defaults: { days: number; runs: number }): HistoryFlags {
  const flags = numberFlags({
    nodes: 20,
    days: defaults.days,
    interval: 60,
    points: 20,
    runs: defaults.runs,
  });
  return {
    nodes: flags.nodes,
    days: flags.days,
    intervalMs: flags.interval * 1000,
    points: flags.points,
    runs: flags.runs,
    startMs: HISTORY_END_MS - flags.days * 86_400_000,
    endMs: HISTORY_END_MS,
  };
}

/** The hourly event of the replay and console benches: one successful SSH login. */
export function sshLogin(t: number): DecodedEvent {
  return {
    timeMs: t + 100,
    observedMs: null,
    eventName: 'auth.login',
    severity: 9,
    body: 'Accepted publickey for ops',
    attributes: { 'event.name': 'auth.login', 'auth.outcome': 'success', 'auth.method': 'ssh' },
  };
}

/** A new store in a new temp directory; NORMAL sync, since building the history is setup, not what is measured. */
export function openBenchStore(name: string): { dataDir: string; store: Store } {
  const dataDir = mkdtempSync(join(tmpdir(), `perimeter-bench-${name}-`));
  return { dataDir, store: openStore({ dataDir, synchronous: 'NORMAL' }) };
}

/**
 * A gzipped OTLP/JSON metrics body with `metrics` empty gauges (and the node's id as its resource
 * when given): what a batch's payload hashes like, without the store decoding it again.
 */
export function metricsPayload(metrics: number, nodeId?: string): Buffer {
  return gzipSync(
    JSON.stringify({
      resourceMetrics: [
        {
          ...(nodeId === undefined
            ? {}
            : { resource: { attributes: [{ key: 'perimeter.node.id', value: { stringValue: nodeId } }] } }),
          scopeMetrics: [
            { metrics: Array.from({ length: metrics }, (_, i) => ({ name: `m${i}`, gauge: {} })) },
          ],
        },
      ],
    }),
  );
}

export interface SyntheticHistory {
  nodes: number;
  startMs: number;
  endMs: number;
  /** Whether a batch falls at `endMs` itself (the console bench's window ends now, inclusive). */
  includeEnd?: boolean;
  intervalMs: number;
  /** The batch fields of node n that do not change from batch to batch. */
  node(n: number): {
    nodeId: string;
    streamId: string;
    contentType: string;
    contentEncoding: string;
    payload: Uint8Array;
  };
  resource(n: number): Record<string, AttributeValue>;
  /** Node n's metrics batch at time t (received 200 ms later). */
  points(n: number, t: number): DecodedPoint[];
  /** On the hour (counted from startMs): node n's logs batch, received 300 ms after t. */
  hourlyEvents(n: number, t: number, hour: number): DecodedEvent[];
}

/** Node n's batch identity as the benches write it: node-N on stream-N, a gzipped OTLP/JSON body. */
export function gzipJsonNode(n: number, payload: Uint8Array): ReturnType<SyntheticHistory['node']> {
  return {
    nodeId: `node-${n}`,
    streamId: `stream-${n}`,
    contentType: 'application/json',
    contentEncoding: 'gzip',
    payload,
  };
}

/** `count` gauges at t, sensor-0 a temperature in Cel and the rest unitless, named by metricOf(i). */
export function sensorGauges(
  count: number,
  intervalMs: number,
  t: number,
  metricOf: (i: number) => string,
): DecodedPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    metric: metricOf(i),
    unit: i === 0 ? 'Cel' : '1',
    kind: 'gauge' as const,
    attributes: [['hw.id', `sensor-${i}`] as const],
    timeMs: t,
    value: 40 + ((t / intervalMs + i) % 30),
  }));
}

/** Every interval each node's metrics batch, and on the hour its logs batch; each node one stream. */
export function writeSyntheticHistory(store: Store, history: SyntheticHistory): { batches: number } {
  const seqs = new Array<number>(history.nodes).fill(0);
  let batches = 0;
  for (
    let t = history.startMs;
    history.includeEnd ? t <= history.endMs : t < history.endMs;
    t += history.intervalMs
  ) {
    for (let n = 0; n < history.nodes; n++) {
      const node = history.node(n);
      store.writeBatch({
        ...node,
        seq: ++(seqs[n] as number),
        signal: 'metrics',
        receivedAtMs: t + 200,
        resources: [{ attributes: history.resource(n), points: history.points(n, t), events: [] }],
      });
      batches++;
      const sinceStart = t - history.startMs;
      if (sinceStart % 3_600_000 === 0) {
        store.writeBatch({
          ...node,
          seq: ++(seqs[n] as number),
          signal: 'logs',
          receivedAtMs: t + 300,
          resources: [
            {
              attributes: history.resource(n),
              points: [],
              events: history.hourlyEvents(n, t, sinceStart / 3_600_000),
            },
          ],
        });
        batches++;
      }
    }
  }
  return { batches };
}

/**
 * The history the replay and integrity benches build: every node sends --points sensor gauges
 * (named by metricOf(i)) with its own id in a gzipped OTLP/JSON payload, and one SSH login an hour.
 */
export function writeSensorHistory(
  store: Store,
  history: HistoryFlags,
  metricOf: (i: number) => string,
): { batches: number } {
  const payloads = Array.from({ length: history.nodes }, (_, n) =>
    metricsPayload(history.points, `node-${n}`),
  );
  return writeSyntheticHistory(store, {
    ...history,
    node: (n) => gzipJsonNode(n, payloads[n] as Buffer),
    resource: (n) => ({ 'perimeter.node.id': `node-${n}` }),
    points: (_n, t) => sensorGauges(history.points, history.intervalMs, t, metricOf),
    hourlyEvents: (_n, t) => [sshLogin(t)],
  });
}
