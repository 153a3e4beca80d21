import type { SqliteDatabase } from '../store/db.ts';

/** Every token change and admin action leaves an audit row (ARCHITECTURE.md "Roles"). */
export interface AuditEntry {
  atMs: number;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export function recordAudit(db: SqliteDatabase, entry: AuditEntry): void {
  db.prepare('INSERT INTO audit_log (at_ms, actor, action, detail_json) VALUES (?, ?, ?, ?)').run(
    entry.atMs,
    entry.actor,
    entry.action,
    JSON.stringify(entry.detail),
  );
}

export function listAudit(db: SqliteDatabase, limit = 100): AuditEntry[] {
  const rows = db
    .prepare('SELECT at_ms, actor, action, detail_json FROM audit_log ORDER BY id DESC LIMIT ?')
    .all(limit) as Array<{ at_ms: number; actor: string; action: string; detail_json: string }>;
  return rows.map((row) => ({
    atMs: row.at_ms,
    actor: row.actor,
    action: row.action,
    detail: JSON.parse(row.detail_json),
  }));
}
