import type { AuditLog } from '../store/audit-log.ts';

/**
 * The audit rows the console writes: one per sign-in attempt (success, failure, refused role) and
 * per sign-out. The token's id (its public part) identifies an attempt; its secret is never
 * written. Rate-limited attempts are recorded at most once a minute per address, so a flood
 * cannot fill the log.
 */
export interface SignInAudit {
  attempt(address: string, actor: string, outcome: string, detail?: Record<string, unknown>): void;
  /** Records a refused (rate-limited) attempt unless this address had one recorded in the last minute. */
  rateLimited(address: string, retryAfterSeconds: number): void;
  signOut(address: string, tokenId: string): void;
}

const RATE_LIMITED_AUDIT_EVERY_MS = 60_000;

export function createSignInAudit(audit: Pick<AuditLog, 'record'>, nowMs: () => number): SignInAudit {
  const lastRateLimited = new Map<string, number>();
  const attempt: SignInAudit['attempt'] = (address, actor, outcome, detail = {}) =>
    audit.record({
      atMs: nowMs(),
      actor,
      action: 'console.sign_in',
      detail: { outcome, address, ...detail },
    });
  return {
    attempt,
    rateLimited(address, retryAfterSeconds) {
      const now = nowMs();
      if (now - (lastRateLimited.get(address) ?? Number.NEGATIVE_INFINITY) >= RATE_LIMITED_AUDIT_EVERY_MS) {
        lastRateLimited.set(address, now);
        attempt(address, `console:${address}`, 'rate_limited', { retryAfterSeconds });
      }
    },
    signOut(address, tokenId) {
      audit.record({
        atMs: nowMs(),
        actor: `token:${tokenId}`,
        action: 'console.sign_out',
        detail: { address },
      });
    },
  };
}
