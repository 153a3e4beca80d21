import { AttributeNames, EventNames } from '@perimeter/schema';
import type { HistoryRow } from '../alerts/alert-store.ts';
import { ALERT_HISTORY_COLUMNS, alertTransitionOf } from './alert-history-rows.ts';
import type { SqliteDatabase } from './db.ts';
import {
  createInferenceReads,
  type NodeInferenceQuery,
  type NodeInferenceSummary,
} from './inference-reads.ts';

/**
 * The store as the console reads it: the few questions its pages ask that no other reader does,
 * each bounded so a page refresh never scans a whole table or filters thousands of rows in memory.
 * Pass `nodeId` to ask about one node only (the node page).
 */
export interface ConsoleReads {
  /**
   * Failed auth.login events per node whose own time is at or after `sinceMs`, among events that
   * arrived at or after `receivedSinceMs` (events have no time index; arrival order is the rowid).
   */
  failedLoginsByNode(window: {
    sinceMs: number;
    receivedSinceMs: number;
    nodeId?: string;
  }): Map<string, number>;
  /** The names of firing alerts per node (alerts with a `node` label). */
  firingAlertsByNode(nodeId?: string): Map<string, string[]>;
  /** One node's alert transitions in [fromMs, toMs], newest first, at most `limit`. */
  nodeAlertHistory(nodeId: string, window: { fromMs: number; toMs: number }, limit: number): HistoryRow[];
  /** One node's inference requests in [fromMs, toMs]: by status, tokens, users, the newest ones. */
  nodeInference(query: NodeInferenceQuery): NodeInferenceSummary;
}

export function createConsoleReads(db: SqliteDatabase): ConsoleReads {
  const batchReceivedAt = db.prepare(
    'SELECT id, received_at_ms AS v FROM batches WHERE id >= ? ORDER BY id LIMIT 1',
  );
  const eventBatchId = db.prepare('SELECT id, batch_id AS v FROM events WHERE id >= ? ORDER BY id LIMIT 1');
  const batchIds = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM batches');
  const eventIds = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM events');
  const failedLoginsSql = `SELECT node_id, count(*) AS n FROM events
     WHERE id >= ? AND event_name = ? AND ts_ms >= ?
       AND json_extract(attributes_json, '$."${AttributeNames.authOutcome}"') = 'failure'`;
  const failedLogins = db.prepare(`${failedLoginsSql} GROUP BY node_id`);
  const failedLoginsOfNode = db.prepare(`${failedLoginsSql} AND node_id = ? GROUP BY node_id`);
  const firingSql = `SELECT json_extract(labels_json, '$.node') AS node, name FROM alert_states
     WHERE state = 'firing' AND json_extract(labels_json, '$.node') IS NOT NULL`;
  const firing = db.prepare(firingSql);
  const firingOfNode = db.prepare(`${firingSql} AND json_extract(labels_json, '$.node') = ?`);
  const nodeHistory = db.prepare(
    `SELECT ${ALERT_HISTORY_COLUMNS} FROM alert_history
     WHERE at_ms >= ? AND at_ms <= ? AND json_extract(labels_json, '$.node') = ? ORDER BY id DESC LIMIT ?`,
  );

  const nodeInference = createInferenceReads(db);

  return {
    nodeInference,
    failedLoginsByNode({ sinceMs, receivedSinceMs, nodeId }) {
      const counts = new Map<string, number>();
      const firstBatch = firstIdWithValueAtLeast(batchIds, batchReceivedAt, receivedSinceMs);
      // events.id grows with batch_id (both are written in the ingest transaction).
      const firstEvent =
        firstBatch === null ? null : firstIdWithValueAtLeast(eventIds, eventBatchId, firstBatch);
      if (firstEvent === null) {
        return counts;
      }
      const rows = (
        nodeId === undefined
          ? failedLogins.all(firstEvent, EventNames.authLogin, sinceMs)
          : failedLoginsOfNode.all(firstEvent, EventNames.authLogin, sinceMs, nodeId)
      ) as Array<{ node_id: string; n: number }>;
      for (const row of rows) {
        counts.set(row.node_id, row.n);
      }
      return counts;
    },
    firingAlertsByNode(nodeId) {
      const rows = (nodeId === undefined ? firing.all() : firingOfNode.all(nodeId)) as Array<{
        node: string;
        name: string;
      }>;
      const byNode = new Map<string, string[]>();
      for (const row of rows) {
        byNode.set(row.node, [...(byNode.get(row.node) ?? []), row.name]);
      }
      return byNode;
    },
    nodeAlertHistory: (nodeId, window, limit) =>
      nodeHistory.all(window.fromMs, window.toMs, nodeId, limit).map((row) => {
        const { labelsJson, ...transition } = alertTransitionOf(row);
        return { ...transition, labels: JSON.parse(labelsJson) as Record<string, string> };
      }),
  };
}

interface Statement {
  get(...params: unknown[]): unknown;
}

/**
 * The smallest id whose value is at least `atLeast`, where `valueAtOrAfter(p)` answers the first
 * row with id >= p and its value, non-decreasing in id: a binary search over ids, log2(rows) point
 * reads instead of a scan. Null when no row qualifies.
 */
function firstIdWithValueAtLeast(
  idBounds: Statement,
  valueAtOrAfter: Statement,
  atLeast: number,
): number | null {
  const bounds = idBounds.get() as { lo: number | null; hi: number | null };
  if (bounds.lo === null || bounds.hi === null) {
    return null;
  }
  const at = (p: number) => valueAtOrAfter.get(p) as { id: number; v: number };
  if (at(bounds.hi).v < atLeast) {
    return null;
  }
  let lo = bounds.lo;
  let hi = bounds.hi;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (at(mid).v >= atLeast) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return at(lo).id;
}
