import { randomBytes } from 'node:crypto';
import type { TokenRole } from '../tokens/token-store.ts';

/**
 * Console sign-in sessions, held in memory: the cookie carries only a random 256-bit id, never the
 * token, and the store keeps the token's id (not its secret) so every request re-checks that the
 * token is still live — revoking it ends its sessions at once. A restart forgets every session
 * (readers sign in again); nothing about a session is written to disk.
 */
export interface ConsoleSession {
  id: string;
  tokenId: string;
  /** The token's node id: for reader and admin tokens, the name it was created for. */
  subject: string;
  role: TokenRole;
  createdAtMs: number;
  lastUsedAtMs: number;
}

export interface SessionStoreOptions {
  nowMs: () => number;
  /** A session unused this long is gone. */
  idleMs?: number;
  /** A session older than this is gone, used or not. */
  maxAgeMs?: number;
  /** Oldest sessions are dropped past this many. */
  maxSessions?: number;
  randomId?: () => string;
}

export interface SessionStore {
  create(token: { id: string; nodeId: string; role: TokenRole }): ConsoleSession;
  /** The live session for a cookie value, touched; undefined when unknown or expired. */
  get(id: string): ConsoleSession | undefined;
  delete(id: string): void;
  size(): number;
}

export const SESSION_IDLE_MS = 8 * 3_600_000;
export const SESSION_MAX_AGE_MS = 24 * 3_600_000;

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const idleMs = options.idleMs ?? SESSION_IDLE_MS;
  const maxAgeMs = options.maxAgeMs ?? SESSION_MAX_AGE_MS;
  const maxSessions = options.maxSessions ?? 10_000;
  const randomId = options.randomId ?? (() => randomBytes(32).toString('base64url'));
  // Insertion order is creation order, so the first key is always the oldest.
  const sessions = new Map<string, ConsoleSession>();

  const expired = (session: ConsoleSession, now: number) =>
    now - session.lastUsedAtMs > idleMs || now - session.createdAtMs > maxAgeMs;

  return {
    create(token) {
      const now = options.nowMs();
      for (const [id, session] of sessions) {
        if (expired(session, now)) {
          sessions.delete(id);
        }
      }
      while (sessions.size >= maxSessions) {
        const oldest = sessions.keys().next().value as string;
        sessions.delete(oldest);
      }
      const session: ConsoleSession = {
        id: randomId(),
        tokenId: token.id,
        subject: token.nodeId,
        role: token.role,
        createdAtMs: now,
        lastUsedAtMs: now,
      };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      const session = sessions.get(id);
      if (session === undefined) {
        return undefined;
      }
      const now = options.nowMs();
      if (expired(session, now)) {
        sessions.delete(id);
        return undefined;
      }
      session.lastUsedAtMs = now;
      return session;
    },
    delete(id) {
      sessions.delete(id);
    },
    size: () => sessions.size,
  };
}
