import { createHash } from 'node:crypto';
import { GENESIS_HASH } from '@perimeter/schema';
import type { SqliteDatabase } from './db.ts';

/**
 * Every token change and admin action leaves an audit row (ARCHITECTURE.md "Roles"). The rows are
 * chained: each row's link (audit_log_links) hashes the previous row's hash with the row's own
 * fields, and signed checkpoints carry the head, so an edited, inserted or deleted row breaks the
 * chain and a chain recomputed without the key no longer meets the signed head (docs/integrity.md).
 */
export interface AuditEntry {
  atMs: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export interface AuditChainRow {
  id: number;
  atMs: number;
  actor: string;
  action: string;
  detailJson: string;
  prevHash: string | null;
  hash: string | null;
}

export interface AuditLog {
  record(entry: AuditEntry): void;
  /** Newest first. */
  list(limit?: number): AuditEntry[];
  /** Rows per action, for /metrics (actions are names from the code: a bounded set). */
  countsByAction(): Array<{ action: string; count: number }>;
  /** The newest row's id and hash (genesis for an empty log). */
  head(): { lastId: number | null; hash: string };
  /** Every row with its link, oldest first, for the verifier. */
  chainRows(): Iterable<AuditChainRow>;
}

export function auditRowHash(prevHash: string, row: Omit<AuditChainRow, 'prevHash' | 'hash'>): string {
  return createHash('sha256')
    .update([prevHash, row.id, row.atMs, row.actor, row.action, row.detailJson].join('\u001f'))
    .digest('hex');
}

export function createAuditLog(db: SqliteDatabase): AuditLog {
  const insert = db.prepare('INSERT INTO audit_log (at_ms, actor, action, detail_json) VALUES (?, ?, ?, ?)');
  const insertLink = db.prepare('INSERT INTO audit_log_links (audit_id, prev_hash, hash) VALUES (?, ?, ?)');
  const lastLink = db.prepare(
    'SELECT audit_id AS lastId, hash FROM audit_log_links ORDER BY audit_id DESC LIMIT 1',
  );
  const newest = db.prepare(
    'SELECT at_ms, actor, action, detail_json FROM audit_log ORDER BY id DESC LIMIT ?',
  );
  const all = db.prepare(
    `SELECT a.id, a.at_ms AS atMs, a.actor, a.action, a.detail_json AS detailJson, l.prev_hash AS prevHash, l.hash
     FROM audit_log a LEFT JOIN audit_log_links l ON l.audit_id = a.id ORDER BY a.id`,
  );
  const perAction = db.prepare('SELECT action, count(*) AS count FROM audit_log GROUP BY action');
  const head = () => {
    const row = lastLink.get() as { lastId: number; hash: string } | undefined;
    return row === undefined ? { lastId: null, hash: GENESIS_HASH } : row;
  };
  const record = db.transaction((entry: AuditEntry) => {
    const detailJson = JSON.stringify(entry.detail);
    const id = Number(insert.run(entry.atMs, entry.actor, entry.action, detailJson).lastInsertRowid);
    const prevHash = head().hash;
    insertLink.run(
      id,
      prevHash,
      auditRowHash(prevHash, { id, atMs: entry.atMs, actor: entry.actor, action: entry.action, detailJson }),
    );
  });
  return {
    countsByAction: () => perAction.all() as Array<{ action: string; count: number }>,
    record: (entry) => record(entry),
    list(limit = 100) {
      const rows = newest.all(limit) as Array<{
        at_ms: number;
        actor: string;
        action: string;
        detail_json: string;
      }>;
      return rows.map((row) => ({
        atMs: row.at_ms,
        actor: row.actor,
        action: row.action,
        detail: JSON.parse(row.detail_json),
      }));
    },
    head,
    chainRows: () => all.iterate() as IterableIterator<AuditChainRow>,
  };
}
