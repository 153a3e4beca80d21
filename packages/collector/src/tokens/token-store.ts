import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StoreTables } from '../store/store-file.ts';
import type { TokenRecord, TokenRole } from '../store/token-rows.ts';

export type { TokenRecord, TokenRole } from '../store/token-rows.ts';

/**
 * Per-node bearer tokens. The secret is shown once at creation and stored only as its SHA-256, so
 * a copy of the store does not let anyone ingest as a node. Tokens look like
 * `pmt_<id>_<secret>`: the id finds the row, the secret is compared in constant time. Revocation
 * is read on every request, so it takes effect at once, also when done from another process.
 */
export interface VerifiedToken {
  id: string;
  nodeId: string;
  role: TokenRole;
}

const TOKEN_PATTERN = /^pmt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** What the token functions need of a store: its tokens table (and the audit log it writes with). */
export type TokenTables = Pick<StoreTables, 'tokens'>;

export function createToken(
  store: TokenTables,
  request: { nodeId: string; role: TokenRole; actor: string; nowMs: number; expiresAtMs?: number | null },
): { id: string; token: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  store.tokens.insert(
    {
      id,
      nodeId: request.nodeId,
      role: request.role,
      secretSha256Hex: hashSecret(secret).toString('hex'),
      createdAtMs: request.nowMs,
      expiresAtMs: request.expiresAtMs ?? null,
    },
    {
      atMs: request.nowMs,
      actor: request.actor,
      action: 'token.create',
      detail: { id, nodeId: request.nodeId, role: request.role, expiresAtMs: request.expiresAtMs ?? null },
    },
  );
  return { id, token: `pmt_${id}_${secret}` };
}

export function listTokens(store: TokenTables): TokenRecord[] {
  return store.tokens.list();
}

/** Revokes one token by id, or every live token of a node; returns how many were revoked. */
export function revokeTokens(
  store: TokenTables,
  request: { tokenId?: string; nodeId?: string; actor: string; nowMs: number },
): number {
  const target =
    request.tokenId !== undefined ? { tokenId: request.tokenId } : { nodeId: request.nodeId ?? '' };
  return store.tokens.revoke(target, request.nowMs, (revoked) => ({
    atMs: request.nowMs,
    actor: request.actor,
    action: 'token.revoke',
    detail: { tokenId: request.tokenId ?? null, nodeId: request.nodeId ?? null, revoked },
  }));
}

/** Neither revoked nor expired at nowMs: the one test ingest, the API and the console apply. */
export function tokenIsLive(
  row: { revokedAtMs: number | null; expiresAtMs: number | null },
  nowMs: number,
): boolean {
  return row.revokedAtMs === null && (row.expiresAtMs === null || nowMs < row.expiresAtMs);
}

/** How often a token's last use is written: the access review needs the day, not the second. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function createTokenVerifier(
  store: TokenTables,
  options: { nowMs?: () => number } = {},
): (presented: string) => VerifiedToken | null {
  const nowMs = options.nowMs ?? Date.now;
  const written = new Map<string, number>();
  /** At most one small write per token a minute, so the ingest path does not pay a write per request. */
  const recordUse = (id: string) => {
    const now = nowMs();
    const last = written.get(id);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) {
      return;
    }
    try {
      store.tokens.touchLastUsed(id, now);
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
    const row = store.tokens.find(id);
    if (!row || !tokenIsLive(row, nowMs())) {
      return null;
    }
    const expected = Buffer.from(row.secretSha256Hex, 'hex');
    const actual = hashSecret(secret);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return null;
    }
    recordUse(id);
    return { id, nodeId: row.nodeId, role: row.role };
  };
}
