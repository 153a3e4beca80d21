import { type AuditEntry, createAuditLog } from './audit-log.ts';
import type { SqliteDatabase } from './db.ts';

/**
 * The tokens table and each token's last use. The store keeps only the SHA-256 of a secret; making
 * and checking secrets is tokens/token-store.ts's. A change and its audit row commit together.
 */
export type TokenRole = 'node' | 'reader' | 'admin';

export interface TokenRecord {
  id: string;
  nodeId: string;
  role: TokenRole;
  createdAtMs: number;
  revokedAtMs: number | null;
  /** Last successful use, to the minute; null if never used since schema 5. */
  lastUsedAtMs: number | null;
  /** When the token stops being accepted; null: never. */
  expiresAtMs: number | null;
}

export interface StoredToken {
  nodeId: string;
  role: TokenRole;
  secretSha256Hex: string;
  revokedAtMs: number | null;
  expiresAtMs: number | null;
}

export type RevokeTarget = { tokenId: string } | { nodeId: string };

export interface TokenRows {
  insert(
    token: {
      id: string;
      nodeId: string;
      role: TokenRole;
      secretSha256Hex: string;
      createdAtMs: number;
      expiresAtMs?: number | null;
    },
    audit: AuditEntry,
  ): void;
  list(): TokenRecord[];
  find(id: string): StoredToken | undefined;
  /** Revokes live tokens; the audit row (built from how many were revoked) is written only when some were. */
  revoke(target: RevokeTarget, nowMs: number, audit: (revoked: number) => AuditEntry): number;
  /** Raises the token's last use to atMs (never lowers it). */
  touchLastUsed(id: string, atMs: number): void;
}

export function createTokenRows(db: SqliteDatabase): TokenRows {
  const audit = createAuditLog(db);
  const statements = {
    insert: db.prepare(
      'INSERT INTO tokens (id, node_id, role, secret_sha256, created_at_ms) VALUES (?, ?, ?, ?, ?)',
    ),
    list: db.prepare(
      `SELECT t.id, t.node_id, t.role, t.created_at_ms, t.revoked_at_ms, u.last_used_at_ms, e.expires_at_ms
       FROM tokens t LEFT JOIN token_last_used u ON u.token_id = t.id
       LEFT JOIN token_expiry e ON e.token_id = t.id ORDER BY t.created_at_ms, t.id`,
    ),
    find: db.prepare(
      `SELECT t.node_id, t.role, t.secret_sha256, t.revoked_at_ms, e.expires_at_ms
       FROM tokens t LEFT JOIN token_expiry e ON e.token_id = t.id WHERE t.id = ?`,
    ),
    insertExpiry: db.prepare('INSERT INTO token_expiry (token_id, expires_at_ms) VALUES (?, ?)'),
    revokeById: db.prepare('UPDATE tokens SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL'),
    revokeByNode: db.prepare(
      'UPDATE tokens SET revoked_at_ms = ? WHERE node_id = ? AND revoked_at_ms IS NULL',
    ),
    touch: db.prepare(
      `INSERT INTO token_last_used (token_id, last_used_at_ms) VALUES (?, ?)
       ON CONFLICT(token_id) DO UPDATE SET last_used_at_ms = max(last_used_at_ms, excluded.last_used_at_ms)`,
    ),
  };
  /**
   * Tokens looked up before, while no other connection has committed (`data_version`) and this
   * one has not written tokens: every ingest request checks its token, and the two-table lookup,
   * ~18 µs idle and more under ingest's write load, was ~5% of the ingest thread. A revoke from
   * another process (the CLI) is seen by the next request, as before; ids that do not exist are
   * not kept, so made-up ids cannot grow it.
   */
  const found = new Map<string, StoredToken>();
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let foundAtVersion: unknown;
  const forgetFound = () => found.clear();
  const insert = db.transaction((token: Parameters<TokenRows['insert']>[0], entry: AuditEntry) => {
    statements.insert.run(token.id, token.nodeId, token.role, token.secretSha256Hex, token.createdAtMs);
    if (token.expiresAtMs !== undefined && token.expiresAtMs !== null) {
      statements.insertExpiry.run(token.id, token.expiresAtMs);
    }
    audit.record(entry);
    forgetFound();
  });
  const revoke = db.transaction(
    (target: RevokeTarget, nowMs: number, entry: (revoked: number) => AuditEntry) => {
      const result =
        'tokenId' in target
          ? statements.revokeById.run(nowMs, target.tokenId)
          : statements.revokeByNode.run(nowMs, target.nodeId);
      if (result.changes > 0) {
        audit.record(entry(result.changes));
      }
      forgetFound();
      return result.changes;
    },
  );
  return {
    insert: (token, entry) => insert(token, entry),
    list() {
      const rows = statements.list.all() as Array<{
        id: string;
        node_id: string;
        role: TokenRole;
        created_at_ms: number;
        revoked_at_ms: number | null;
        last_used_at_ms: number | null;
        expires_at_ms: number | null;
      }>;
      return rows.map((row) => ({
        id: row.id,
        nodeId: row.node_id,
        role: row.role,
        createdAtMs: row.created_at_ms,
        revokedAtMs: row.revoked_at_ms,
        lastUsedAtMs: row.last_used_at_ms,
        expiresAtMs: row.expires_at_ms,
      }));
    },
    find(id) {
      const version = dataVersion.get();
      if (version !== foundAtVersion) {
        found.clear();
        foundAtVersion = version;
      }
      const known = found.get(id);
      if (known !== undefined) return known;
      const row = statements.find.get(id) as
        | {
            node_id: string;
            role: TokenRole;
            secret_sha256: string;
            revoked_at_ms: number | null;
            expires_at_ms: number | null;
          }
        | undefined;
      if (row === undefined) return undefined;
      const token: StoredToken = Object.freeze({
        nodeId: row.node_id,
        role: row.role,
        secretSha256Hex: row.secret_sha256,
        revokedAtMs: row.revoked_at_ms,
        expiresAtMs: row.expires_at_ms,
      });
      found.set(id, token);
      return token;
    },
    revoke: (target, nowMs, entry) => revoke(target, nowMs, entry),
    touchLastUsed(id, atMs) {
      statements.touch.run(id, atMs);
    },
  };
}
