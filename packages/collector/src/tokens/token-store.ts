import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqliteDatabase } from '../store/db.ts';
import { recordAudit } from './audit.ts';

/**
 * Per-node bearer tokens. The secret is shown once at creation and stored only as its SHA-256, so
 * a copy of the store does not let anyone ingest as a node. Tokens look like
 * `pmt_<id>_<secret>`: the id finds the row, the secret is compared in constant time. Revocation
 * is read on every request, so it takes effect at once, also when done from another process.
 */
export type TokenRole = 'node' | 'reader' | 'admin';

export interface TokenRecord {
  id: string;
  nodeId: string;
  role: TokenRole;
  createdAtMs: number;
  revokedAtMs: number | null;
  /** Last successful use, to the minute (LAST_USED_RESOLUTION_MS); null if never used since schema 5. */
  lastUsedAtMs: number | null;
}

export interface VerifiedToken {
  id: string;
  nodeId: string;
  role: TokenRole;
}

const TOKEN_PATTERN = /^pmt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function createToken(
  db: SqliteDatabase,
  request: { nodeId: string; role: TokenRole; actor: string; nowMs: number },
): { id: string; token: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  db.transaction(() => {
    db.prepare(
      'INSERT INTO tokens (id, node_id, role, secret_sha256, created_at_ms) VALUES (?, ?, ?, ?, ?)',
    ).run(id, request.nodeId, request.role, hashSecret(secret).toString('hex'), request.nowMs);
    recordAudit(db, {
      atMs: request.nowMs,
      actor: request.actor,
      action: 'token.create',
      detail: { id, nodeId: request.nodeId, role: request.role },
    });
  })();
  return { id, token: `pmt_${id}_${secret}` };
}

export function listTokens(db: SqliteDatabase): TokenRecord[] {
  const rows = db
    .prepare(
      `SELECT t.id, t.node_id, t.role, t.created_at_ms, t.revoked_at_ms, u.last_used_at_ms
       FROM tokens t LEFT JOIN token_last_used u ON u.token_id = t.id ORDER BY t.created_at_ms, t.id`,
    )
    .all() as Array<{
    id: string;
    node_id: string;
    role: TokenRole;
    created_at_ms: number;
    revoked_at_ms: number | null;
    last_used_at_ms: number | null;
  }>;
  return rows.map((row) => ({
    id: row.id,
    nodeId: row.node_id,
    role: row.role,
    createdAtMs: row.created_at_ms,
    revokedAtMs: row.revoked_at_ms,
    lastUsedAtMs: row.last_used_at_ms,
  }));
}

/** Revokes one token by id, or every live token of a node; returns how many were revoked. */
export function revokeTokens(
  db: SqliteDatabase,
  request: { tokenId?: string; nodeId?: string; actor: string; nowMs: number },
): number {
  return db.transaction(() => {
    const result =
      request.tokenId !== undefined
        ? db
            .prepare('UPDATE tokens SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL')
            .run(request.nowMs, request.tokenId)
        : db
            .prepare('UPDATE tokens SET revoked_at_ms = ? WHERE node_id = ? AND revoked_at_ms IS NULL')
            .run(request.nowMs, request.nodeId);
    if (result.changes > 0) {
      recordAudit(db, {
        atMs: request.nowMs,
        actor: request.actor,
        action: 'token.revoke',
        detail: { tokenId: request.tokenId ?? null, nodeId: request.nodeId ?? null, revoked: result.changes },
      });
    }
    return result.changes;
  })();
}

/** How often a token's last use is written: the access review needs the day, not the second. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function createTokenVerifier(
  db: SqliteDatabase,
  options: { nowMs?: () => number } = {},
): (presented: string) => VerifiedToken | null {
  const find = db.prepare('SELECT node_id, role, secret_sha256, revoked_at_ms FROM tokens WHERE id = ?');
  const nowMs = options.nowMs ?? Date.now;
  const touch = db.prepare(
    `INSERT INTO token_last_used (token_id, last_used_at_ms) VALUES (?, ?)
     ON CONFLICT(token_id) DO UPDATE SET last_used_at_ms = max(last_used_at_ms, excluded.last_used_at_ms)`,
  );
  const written = new Map<string, number>();
  /** At most one small write per token a minute, so the ingest path does not pay a write per request. */
  const recordUse = (id: string) => {
    const now = nowMs();
    const last = written.get(id);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) {
      return;
    }
    try {
      touch.run(id, now);
      written.set(id, now);
    } catch {
      // A busy store must not turn a valid token into a 401; the next request tries again.
    }
  };
  return (presented) => {
    const match = TOKEN_PATTERN.exec(presented);
    if (!match) {
      return null;
    }
    const [, id, secret] = match as unknown as [string, string, string];
    const row = find.get(id) as
      | { node_id: string; role: TokenRole; secret_sha256: string; revoked_at_ms: number | null }
      | undefined;
    if (!row || row.revoked_at_ms !== null) {
      return null;
    }
    const expected = Buffer.from(row.secret_sha256, 'hex');
    const actual = hashSecret(secret);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return null;
    }
    recordUse(id);
    return { id, nodeId: row.node_id, role: row.role };
  };
}
