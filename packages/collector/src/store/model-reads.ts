import { MetricNames } from '@perimeter/schema';
import type { ModelSeriesRow } from '../derive/model-inventory.ts';
import type { AttributeValue } from '../otlp/types.ts';
import type { SqliteDatabase } from './db.ts';

export type { ModelSeriesRow };

/**
 * Reads for the AI workload (model inventory, inference access, model changes): the
 * `perimeter.model.*` series with when the collector first stored each, and events by name over a
 * period (the events_name_ts index from migration 6 keeps this a range scan).
 */
export interface ModelReads {
  /** The `perimeter.model.*` series, by node then id. */
  series(): ModelSeriesRow[];
  /** Events with one of `names` in [fromMs, toMs), oldest first (then arrival order). */
  eventsByName(query: NamedEventQuery): NamedEventRow[];
}

export function createModelReads(db: SqliteDatabase): ModelReads {
  return {
    series: () => readModelSeries(db),
    eventsByName: (query) => readEventsByName(db, query),
  };
}

export function readModelSeries(db: SqliteDatabase): ModelSeriesRow[] {
  const rows = db
    .prepare(
      `SELECT id, node_id, metric, attributes_json, first_seen_ms, last_ts_ms, last_value FROM series
       WHERE metric IN (?, ?) ORDER BY node_id, id`,
    )
    .all(MetricNames.modelInfo, MetricNames.modelSize) as Array<{
    id: number;
    node_id: string;
    metric: string;
    attributes_json: string;
    first_seen_ms: number;
    last_ts_ms: number | null;
    last_value: number | null;
  }>;
  return rows.map((row) => ({
    seriesId: row.id,
    nodeId: row.node_id,
    metric: row.metric,
    attributes: JSON.parse(row.attributes_json) as Record<string, AttributeValue>,
    firstSeenMs: row.first_seen_ms,
    lastTsMs: row.last_ts_ms,
    lastValue: row.last_value,
  }));
}

export interface NamedEventRow {
  id: number;
  nodeId: string;
  tsMs: number;
  eventName: string;
  attributes: Record<string, AttributeValue>;
}

export interface NamedEventQuery {
  names: readonly string[];
  /** Event time range, inclusive start, exclusive end; both optional. */
  fromMs?: number;
  toMs?: number;
  nodeId?: string;
}

/** Events with one of `names` in [fromMs, toMs), oldest first (then arrival order). */
export function readEventsByName(db: SqliteDatabase, query: NamedEventQuery): NamedEventRow[] {
  return [...iterateEventsByName(db, query)];
}

/** The same, streamed: an access log over 90 days is read row by row, never held whole. */
export function* iterateEventsByName(db: SqliteDatabase, query: NamedEventQuery): Generator<NamedEventRow> {
  if (query.names.length === 0) return;
  const placeholders = query.names.map(() => '?').join(', ');
  const statement = db.prepare(
    `SELECT id, node_id, ts_ms, event_name, attributes_json FROM events
     WHERE event_name IN (${placeholders}) AND ts_ms >= ? AND ts_ms < ?
       AND (? IS NULL OR node_id = ?)
     ORDER BY ts_ms, id`,
  );
  const rows = statement.iterate(
    ...query.names,
    query.fromMs ?? Number.MIN_SAFE_INTEGER,
    query.toMs ?? Number.MAX_SAFE_INTEGER,
    query.nodeId ?? null,
    query.nodeId ?? null,
  ) as IterableIterator<{
    id: number;
    node_id: string;
    ts_ms: number;
    event_name: string;
    attributes_json: string;
  }>;
  for (const row of rows) {
    yield {
      id: row.id,
      nodeId: row.node_id,
      tsMs: row.ts_ms,
      eventName: row.event_name,
      attributes: JSON.parse(row.attributes_json) as Record<string, AttributeValue>,
    };
  }
}
