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
  idFor(nodeId: string, point: DecodedPoint, nowMs: number): number;
  /** Call after a rolled-back transaction. */
  forgetUncommitted(): void;
  /** Call after a commit. */
  commit(): void;
  get(id: number): SeriesInfo | undefined;
  all(): IterableIterator<SeriesInfo>;
  /** Whether this point's series already exists (ingest's caps count only new series). */
  has(nodeId: string, point: Pick<DecodedPoint, 'metric' | 'attributes'>): boolean;
  /** How many series the node has: what ingest.maxSeriesPerNode bounds. */
  countForNode(nodeId: string): number;
}

/**
 * The in-memory identity of a series: cheap to build per point (no JSON), unambiguous because
 * attribute keys and values are typed and separated by characters that never occur in them.
 */
export function seriesKey(nodeId: string, metric: string, attributes: DecodedPoint['attributes']): string {
  let key = `${nodeId}\u0000${metric}`;
  for (const [name, value] of attributes) {
    key += `\u0000${name}\u0001${typeof value === 'string' ? 's' : typeof value === 'number' ? 'n' : 'b'}${value}`;
  }
  return key;
}

export function createSeriesIndex(db: SqliteDatabase): SeriesIndex {
  const idsByKey = new Map<string, number>();
  const infoById = new Map<number, SeriesInfo>();
  const countByNode = new Map<string, number>();
  const counted = (nodeId: string, delta: number) =>
    countByNode.set(nodeId, (countByNode.get(nodeId) ?? 0) + delta);
  let uncommitted: string[] = [];

  const rows = db
    .prepare('SELECT id, node_id, metric, unit, kind, attributes_json FROM series')
    .all() as SeriesRow[];
  for (const row of rows) {
    const attributes = JSON.parse(row.attributes_json) as Record<string, string | number | boolean>;
    idsByKey.set(seriesKey(row.node_id, row.metric, Object.entries(attributes)), row.id);
    counted(row.node_id, 1);
    infoById.set(row.id, {
      id: row.id,
      nodeId: row.node_id,
      metric: row.metric,
      unit: row.unit,
      kind: row.kind,
      attributes,
    });
  }

  const insert = db.prepare(
    'INSERT INTO series (node_id, metric, unit, kind, attributes_json, first_seen_ms) VALUES (?, ?, ?, ?, ?, ?)',
  );

  return {
    idFor(nodeId, point, nowMs) {
      const key = seriesKey(nodeId, point.metric, point.attributes);
      const known = idsByKey.get(key);
      if (known !== undefined) {
        return known;
      }
      const attributesJson = JSON.stringify(Object.fromEntries(point.attributes));
      const id = Number(
        insert.run(nodeId, point.metric, point.unit, point.kind, attributesJson, nowMs).lastInsertRowid,
      );
      idsByKey.set(key, id);
      counted(nodeId, 1);
      infoById.set(id, {
        id,
        nodeId,
        metric: point.metric,
        unit: point.unit,
        kind: point.kind,
        attributes: Object.fromEntries(point.attributes),
      });
      uncommitted.push(key);
      return id;
    },
    forgetUncommitted() {
      for (const key of uncommitted) {
        const id = idsByKey.get(key);
        idsByKey.delete(key);
        if (id !== undefined) {
          const info = infoById.get(id);
          if (info !== undefined) counted(info.nodeId, -1);
          infoById.delete(id);
        }
      }
      uncommitted = [];
    },
    commit() {
      uncommitted = [];
    },
    get: (id) => infoById.get(id),
    all: () => infoById.values(),
    has: (nodeId, point) => idsByKey.has(seriesKey(nodeId, point.metric, point.attributes)),
    countForNode: (nodeId) => countByNode.get(nodeId) ?? 0,
  };
}
