import type { SqliteDatabase } from './db.ts';

/** Every token change and admin action leaves an audit row (ARCHITECTURE.md "Roles"). */
export interface AuditEntry {
  atMs: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export interface AuditLog {
  record(entry: AuditEntry): void;
  /** Newest first. */
  list(limit?: number): AuditEntry[];
  /** Rows per action, for /metrics (actions are names from the code: a bounded set). */
  countsByAction(): Array<{ action: string; count: number }>;
}

export function createAuditLog(db: SqliteDatabase): AuditLog {
  const insert = db.prepare('INSERT INTO audit_log (at_ms, actor, action, detail_json) VALUES (?, ?, ?, ?)');
  const newest = db.prepare(
    'SELECT at_ms, actor, action, detail_json FROM audit_log ORDER BY id DESC LIMIT ?',
  );
  const perAction = db.prepare('SELECT action, count(*) AS count FROM audit_log GROUP BY action');
  return {
    countsByAction: () => perAction.all() as Array<{ action: string; count: number }>,
    record(entry) {
      insert.run(entry.atMs, entry.actor, entry.action, JSON.stringify(entry.detail));
    },
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
  };
}
