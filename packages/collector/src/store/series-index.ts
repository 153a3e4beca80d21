import { attributesIdentity, sortPairsByKey } from '../otlp/otlp-values.ts';
import type { DecodedPoint } from '../otlp/types.ts';
import type { SqliteDatabase } from './db.ts';

/**
 * Interns (node, metric, attributes) as a small integer so each sample row stays four numbers
 * wide: a label column per row costs ~40 % of ingest (research/delivery-anchors.md §6). The map
 * mirrors the table; ids minted inside a transaction that rolls back are forgotten again.
 */
export interface SeriesInfo {
  id: number;
  nodeId: string;
  metric: string;
  unit: string;
  kind: string;
  attributes: Record<string, string | number | boolean>;
}

/** A `series` table row as stored: the index loads these, the integrity digest hashes them. */
export interface SeriesRow {
  id: number;
  node_id: string;
  metric: string;
  unit: string;
  kind: string;
  attributes_json: string;
}

export interface SeriesIndex {
  /** The series' id: from memory, else its stored row (an idle series coming back), else a new row. */
  idFor(nodeId: string, point: DecodedPoint, nowMs: number): number;
  /** Call after a rolled-back transaction. */
  forgetUncommitted(): void;
  /** Call after a commit. */
  commit(): void;
  /** A series in memory, or else read from its row (an idle series' old samples are still read). */
  get(id: number): SeriesInfo | undefined;
  /** The series in memory: those not idle past retention. */
  all(): IterableIterator<SeriesInfo>;
  /** How many series are in memory. */
  size(): number;
  /**
   * Lets idle series leave memory (their rows stay: the integrity digest and old samples need
   * them) and records the idle mark so the next start does not load them back.
   */
  evict(ids: Iterable<number>, idleBeforeMs: number): number;
  /** Whether this point's series already exists (ingest's caps count only new series). */
  has(nodeId: string, point: Pick<DecodedPoint, 'metric' | 'attributes' | 'attributesKey'>): boolean;
  /** How many series the node has: what ingest.maxSeriesPerNode bounds. */
  countForNode(nodeId: string): number;
}

/** The attributes' part of a point's series identity, computed once per point (the decoder may have). */
function pointAttributesKey(point: Pick<DecodedPoint, 'attributes' | 'attributesKey'>): string {
  if (point.attributesKey === undefined) {
    (point as { attributesKey?: string }).attributesKey = attributesIdentity(point.attributes);
  }
  return point.attributesKey as string;
}

const IDLE_MARK_KEY = 'series_idle_before_ms';

/**
 * The last idle cut made (series whose newest point is older left memory), or -Infinity when
 * none was: at start the index and the latest values load only series at or after it.
 */
export function seriesIdleBeforeMs(db: SqliteDatabase): number {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(IDLE_MARK_KEY) as
    | { value: string }
    | undefined;
  return row === undefined ? Number.NEGATIVE_INFINITY : Number(row.value);
}

function infoFromRow(row: SeriesRow): SeriesInfo {
  return {
    id: row.id,
    nodeId: row.node_id,
    metric: row.metric,
    unit: row.unit,
    kind: row.kind,
    attributes: JSON.parse(row.attributes_json) as Record<string, string | number | boolean>,
  };
}

export function createSeriesIndex(db: SqliteDatabase): SeriesIndex {
  // (node, metric) → attributes key → id. Two levels so a point's lookup hashes no new string:
  // the attributes key is interned by the decoder, and a request's points share node and metric
  // (`lastLookup` keeps the inner map of the previous point).
  const idsByNodeMetric = new Map<string, Map<string, number>>();
  const byId = new Map<number, { info: SeriesInfo; nodeMetric: string; attributesKey: string }>();
  let lastLookup: { nodeId: string; metric: string; ids: Map<string, number> } | undefined;
  const idsFor = (nodeId: string, metric: string, create: boolean): Map<string, number> | undefined => {
    if (lastLookup !== undefined && lastLookup.nodeId === nodeId && lastLookup.metric === metric) {
      return lastLookup.ids;
    }
    const nodeMetric = `${nodeId}\u0000${metric}`;
    let ids = idsByNodeMetric.get(nodeMetric);
    if (ids === undefined) {
      if (!create) return undefined;
      ids = new Map();
      idsByNodeMetric.set(nodeMetric, ids);
    }
    lastLookup = { nodeId, metric, ids };
    return ids;
  };
  const countByNode = new Map<string, number>();
  const counted = (nodeId: string, delta: number) => {
    const count = (countByNode.get(nodeId) ?? 0) + delta;
    if (count > 0) countByNode.set(nodeId, count);
    else countByNode.delete(nodeId);
  };
  const remember = (attributesKey: string, info: SeriesInfo) => {
    (idsFor(info.nodeId, info.metric, true) as Map<string, number>).set(attributesKey, info.id);
    byId.set(info.id, { info, nodeMetric: `${info.nodeId}\u0000${info.metric}`, attributesKey });
    counted(info.nodeId, 1);
  };
  const forget = (id: number) => {
    const entry = byId.get(id);
    if (entry === undefined) return false;
    byId.delete(id);
    const ids = idsByNodeMetric.get(entry.nodeMetric);
    if (ids !== undefined && ids.get(entry.attributesKey) === id) {
      ids.delete(entry.attributesKey);
      if (ids.size === 0) {
        idsByNodeMetric.delete(entry.nodeMetric);
        lastLookup = undefined;
      }
    }
    counted(entry.info.nodeId, -1);
    return true;
  };
  let uncommitted: number[] = [];

  const idleBefore = seriesIdleBeforeMs(db);
  const rows = db
    .prepare(
      `SELECT id, node_id, metric, unit, kind, attributes_json FROM series
       WHERE last_ts_ms IS NULL OR last_ts_ms >= ?`,
    )
    .all(Number.isFinite(idleBefore) ? idleBefore : Number.MIN_SAFE_INTEGER) as SeriesRow[];
  for (const row of rows) {
    const info = infoFromRow(row);
    // Sorted as the decoders sort them: parsed JSON puts integer-like names first.
    remember(attributesIdentity(sortPairsByKey(Object.entries(info.attributes))), info);
  }

  const statements = {
    // An idle series that comes back keeps its row and id: ON CONFLICT finds it instead.
    insert: db.prepare(
      `INSERT INTO series (node_id, metric, unit, kind, attributes_json, first_seen_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id, metric, attributes_json) DO NOTHING`,
    ),
    byKey: db.prepare(
      'SELECT id, node_id, metric, unit, kind, attributes_json FROM series WHERE node_id = ? AND metric = ? AND attributes_json = ?',
    ),
    byId: db.prepare('SELECT id, node_id, metric, unit, kind, attributes_json FROM series WHERE id = ?'),
    saveMark: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ),
  };

  return {
    idFor(nodeId, point, nowMs) {
      const key = pointAttributesKey(point);
      const known = idsFor(nodeId, point.metric, false)?.get(key);
      if (known !== undefined) {
        return known;
      }
      const attributesJson = JSON.stringify(Object.fromEntries(point.attributes));
      const inserted = statements.insert.run(
        nodeId,
        point.metric,
        point.unit,
        point.kind,
        attributesJson,
        nowMs,
      );
      const info =
        inserted.changes === 1
          ? {
              id: Number(inserted.lastInsertRowid),
              nodeId,
              metric: point.metric,
              unit: point.unit,
              kind: point.kind,
              attributes: Object.fromEntries(point.attributes),
            }
          : infoFromRow(statements.byKey.get(nodeId, point.metric, attributesJson) as SeriesRow);
      remember(key, info);
      uncommitted.push(info.id);
      return info.id;
    },
    forgetUncommitted() {
      for (const id of uncommitted) forget(id);
      uncommitted = [];
    },
    commit() {
      uncommitted = [];
    },
    get(id) {
      const entry = byId.get(id);
      if (entry !== undefined) return entry.info;
      const row = statements.byId.get(id) as SeriesRow | undefined;
      return row === undefined ? undefined : infoFromRow(row);
    },
    *all() {
      for (const entry of byId.values()) yield entry.info;
    },
    size: () => byId.size,
    evict(ids, idleBeforeMs) {
      let evicted = 0;
      for (const id of ids) {
        if (forget(id)) evicted++;
      }
      statements.saveMark.run(IDLE_MARK_KEY, String(idleBeforeMs));
      return evicted;
    },
    has: (nodeId, point) => idsFor(nodeId, point.metric, false)?.has(pointAttributesKey(point)) ?? false,
    countForNode: (nodeId) => countByNode.get(nodeId) ?? 0,
  };
}
