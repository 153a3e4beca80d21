import type { IntegrityVerdict } from '../replay/types.ts';
import type { SqliteDatabase } from '../store/db.ts';
import {
  type ChangesSection,
  type CredentialsSection,
  type IncidentsSection,
  readChanges,
  readCredentials,
  readIncidents,
} from './control-sections.ts';
import { type AccessSection, type InventoryRow, readAccess, readInventory } from './fleet-sections.ts';
import { verifyNodeChain } from './integrity.ts';
import type { RetentionPolicy } from './retention.ts';
import type { Period } from './types.ts';

/** Everything the evidence files say, gathered from one read-only store connection. */
export interface EvidenceReport {
  generatedAtMs: number;
  period: Period;
  retention: RetentionPolicy & { forwardedRetentionMs: number; sinks: number };
  prunedRanges: Array<{ nodeId: string; reason: string; batches: number; fromMs: number; toMs: number }>;
  inventory: InventoryRow[];
  access: AccessSection;
  credentials: CredentialsSection;
  changes: ChangesSection;
  incidents: IncidentsSection;
  integrity: Array<{ nodeId: string; verdict: IntegrityVerdict }>;
  integrityOk: boolean;
}

export interface BuildOptions {
  period: Period;
  nowMs: () => number;
  retention: EvidenceReport['retention'];
  progress: (line: string) => void;
}

export function buildEvidence(db: SqliteDatabase, options: BuildOptions): EvidenceReport {
  const { period, progress } = options;
  const generatedAtMs = options.nowMs();
  progress('inventory and coverage');
  const inventory = readInventory(db, period);
  progress('access (auth.login events)');
  const access = readAccess(db, period);
  progress('credentials (tokens, audit log)');
  const credentials = readCredentials(db, period);
  progress('changes (config.drift events)');
  const changes = readChanges(db, period);
  progress('incidents (alert history, notifications)');
  const incidents = readIncidents(db, period);
  const integrity = inventory.map((node, index) => {
    progress(`integrity: verifying ${node.nodeId} (${index + 1}/${inventory.length})`);
    const verdict = verifyNodeChain(db, node.nodeId, (n) =>
      progress(`integrity: ${node.nodeId}: ${n} batches verified`),
    );
    return { nodeId: node.nodeId, verdict };
  });
  const prunedRanges = (
    db
      .prepare(
        `SELECT node_id, reason, sum(batch_count) AS batches, min(min_received_at_ms) AS from_ms, max(max_received_at_ms) AS to_ms
         FROM pruned_ranges GROUP BY node_id, reason ORDER BY node_id, reason`,
      )
      .all() as Array<{ node_id: string; reason: string; batches: number; from_ms: number; to_ms: number }>
  ).map((r) => ({
    nodeId: r.node_id,
    reason: r.reason,
    batches: r.batches,
    fromMs: r.from_ms,
    toMs: r.to_ms,
  }));
  return {
    generatedAtMs,
    period,
    retention: options.retention,
    prunedRanges,
    inventory,
    access,
    credentials,
    changes,
    incidents,
    integrity,
    integrityOk: integrity.every((i) => i.verdict.ok),
  };
}
