import type { AuditLog } from '../store/audit-log.ts';

/**
 * The audit rows the console writes: one per sign-in attempt (success, failure, refused role) and
 * per sign-out. The token's id (its public part) identifies an attempt; its secret is never
 * written. Rate-limited attempts are recorded at most once a minute per address. The limiter
 * bounds failures per address, not the number of addresses: so every row other than a success or a
 * sign-out also draws on one budget for the whole console (`maxRowsPerWindow` a minute); past it
 * attempts are only counted, and the first audit write of a later window adds one
 * `console.sign_in_suppressed` row with how many there were, from how many addresses, over which span.
 */
export interface SignInAudit {
  attempt(address: string, actor: string, outcome: string, detail?: Record<string, unknown>): void;
  /** Records a refused (rate-limited) attempt unless this address had one recorded in the last minute. */
  rateLimited(address: string, retryAfterSeconds: number): void;
  signOut(address: string, tokenId: string): void;
}

const RATE_LIMITED_AUDIT_EVERY_MS = 60_000;
export const SIGN_IN_AUDIT_MAX_ROWS_PER_WINDOW = 100;
export const SIGN_IN_AUDIT_WINDOW_MS = 60_000;
/** Distinct addresses remembered for a summary; past it the summary says "at least". */
const MAX_SUPPRESSED_ADDRESSES = 10_000;

export function createSignInAudit(
  audit: Pick<AuditLog, 'record'>,
  nowMs: () => number,
  options: { maxRowsPerWindow?: number; windowMs?: number } = {},
): SignInAudit {
  const maxRows = options.maxRowsPerWindow ?? SIGN_IN_AUDIT_MAX_ROWS_PER_WINDOW;
  const windowMs = options.windowMs ?? SIGN_IN_AUDIT_WINDOW_MS;
  const lastRateLimited = new Map<string, number>();
  let window = { startMs: Number.NEGATIVE_INFINITY, written: 0 };
  let suppressed = { count: 0, fromMs: 0, toMs: 0, addresses: new Set<string>() };

  /** A new window: the last one's suppressed attempts become one summary row, and the budget refills. */
  const rollWindow = (now: number) => {
    if (now - window.startMs < windowMs) {
      return;
    }
    if (suppressed.count > 0) {
      audit.record({
        atMs: now,
        actor: 'console',
        action: 'console.sign_in_suppressed',
        detail: {
          count: suppressed.count,
          addresses: suppressed.addresses.size,
          addressesCapped: suppressed.addresses.size >= MAX_SUPPRESSED_ADDRESSES,
          fromMs: suppressed.fromMs,
          toMs: suppressed.toMs,
        },
      });
    }
    window = { startMs: now, written: 0 };
    suppressed = { count: 0, fromMs: 0, toMs: 0, addresses: new Set() };
  };
  const write = (now: number, actor: string, outcome: string, address: string, detail: object) =>
    audit.record({ atMs: now, actor, action: 'console.sign_in', detail: { outcome, address, ...detail } });

  const attempt: SignInAudit['attempt'] = (address, actor, outcome, detail = {}) => {
    const now = nowMs();
    rollWindow(now);
    if (outcome === 'success' || window.written < maxRows) {
      window.written += outcome === 'success' ? 0 : 1;
      write(now, actor, outcome, address, detail);
      return;
    }
    if (suppressed.count === 0) {
      suppressed.fromMs = now;
    }
    suppressed.count += 1;
    suppressed.toMs = now;
    if (suppressed.addresses.size < MAX_SUPPRESSED_ADDRESSES) {
      suppressed.addresses.add(address);
    }
  };
  return {
    attempt,
    rateLimited(address, retryAfterSeconds) {
      const now = nowMs();
      if (now - (lastRateLimited.get(address) ?? Number.NEGATIVE_INFINITY) >= RATE_LIMITED_AUDIT_EVERY_MS) {
        if (lastRateLimited.size >= MAX_SUPPRESSED_ADDRESSES) {
          lastRateLimited.clear(); // memory stays bounded; the row budget still caps what is written
        }
        lastRateLimited.set(address, now);
        attempt(address, `console:${address}`, 'rate_limited', { retryAfterSeconds });
      }
    },
    signOut(address, tokenId) {
      rollWindow(nowMs());
      audit.record({
        atMs: nowMs(),
        actor: `token:${tokenId}`,
        action: 'console.sign_out',
        detail: { address },
      });
    },
  };
}
