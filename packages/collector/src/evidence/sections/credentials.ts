import { iso, toCsv } from '../render-csv.ts';
import { markdownTable } from '../render-markdown.ts';
import { defineSection } from '../section.ts';

/**
 * The quarterly access review: every token that existed in the period, what became of it, and
 * what a reviewer should look at (never used, unused for 90 days, admin), with the audit trail.
 */
export const STALE_TOKEN_MS = 90 * 86_400_000;
/** A token expiring within this of the period's end is flagged, so it is renewed before ingest stops. */
export const EXPIRING_SOON_MS = 14 * 86_400_000;

export interface TokenReviewRow {
  id: string;
  subject: string;
  role: string;
  createdAtMs: number;
  revokedAtMs: number | null;
  lastUsedAtMs: number | null;
  expiresAtMs: number | null;
  statusAtEnd: 'active' | 'revoked';
  issuedInPeriod: boolean;
  revokedInPeriod: boolean;
  review: string;
}

export interface AuditRow {
  atMs: number;
  actor: string;
  action: string;
  detail: string;
}

export interface CredentialsRows {
  tokens: TokenReviewRow[];
  issued: number;
  revoked: number;
  activeAtEnd: number;
  flagged: number;
  audit: AuditRow[];
}

export const credentialsSection = defineSection<CredentialsRows>({
  id: 'credentials',
  title: 'Credentials: quarterly access review',
  controls: {
    soc2: ['CC6.1', 'CC6.2', 'CC6.3'],
    iso27001: [
      '5.16 Identity management',
      '5.17 Authentication information',
      '5.18 Access rights',
      '8.2 Privileged access rights',
    ],
    basis: 'rows "Guest off", "Auto-login off" and "SSH off/restricted"',
  },
  read({ reads, period }) {
    const tokens = reads
      .tokens()
      .filter((t) => t.createdAtMs < period.toMs)
      .map((t): TokenReviewRow => {
        const revoked = t.revokedAtMs !== null && t.revokedAtMs < period.toMs;
        const notes: string[] = [];
        const expired = t.expiresAtMs !== null && t.expiresAtMs <= period.toMs;
        if (!revoked && expired) {
          notes.push('expired: refused since its expiry; revoke or replace');
        } else if (!revoked) {
          if (t.expiresAtMs !== null && t.expiresAtMs - period.toMs <= EXPIRING_SOON_MS) {
            notes.push('expires within 14 days: issue a replacement');
          }
          if (t.lastUsedAtMs === null) {
            notes.push('never used: confirm it is still needed');
          } else if (period.toMs - t.lastUsedAtMs > STALE_TOKEN_MS) {
            notes.push('unused for over 90 days: revoke unless needed');
          }
          if (t.role === 'admin') {
            notes.push('privileged (admin): confirm holder');
          }
        }
        return {
          id: t.id,
          subject: t.nodeId,
          role: t.role,
          createdAtMs: t.createdAtMs,
          revokedAtMs: revoked ? t.revokedAtMs : null,
          lastUsedAtMs: t.lastUsedAtMs,
          expiresAtMs: t.expiresAtMs,
          statusAtEnd: revoked ? 'revoked' : 'active',
          issuedInPeriod: t.createdAtMs >= period.fromMs,
          revokedInPeriod: revoked && (t.revokedAtMs as number) >= period.fromMs,
          review: notes.join('; ') || 'ok',
        };
      });
    const audit = reads
      .audit(period)
      .map((r) => ({ atMs: r.atMs, actor: r.actor, action: r.action, detail: r.detailJson }));
    return {
      tokens,
      issued: tokens.filter((t) => t.issuedInPeriod).length,
      revoked: tokens.filter((t) => t.revokedInPeriod).length,
      activeAtEnd: tokens.filter((t) => t.statusAtEnd === 'active').length,
      flagged: tokens.filter((t) => t.review !== 'ok').length,
      audit,
    };
  },
  markdown: (c) => [
    `${c.issued} token(s) issued and ${c.revoked} revoked in the period; ${c.activeAtEnd} active at its end; ${c.flagged} flagged for review. Last use is recorded to the minute. Files: tokens.csv, token-audit.csv`,
    '',
    ...markdownTable(
      ['Token', 'Subject', 'Role', 'Created', 'Expires', 'Revoked', 'Last used', 'Status', 'Review'],
      c.tokens.map((t) => [
        t.id,
        t.subject,
        t.role,
        iso(t.createdAtMs),
        iso(t.expiresAtMs) || 'never',
        iso(t.revokedAtMs) || '-',
        iso(t.lastUsedAtMs) || 'never',
        t.statusAtEnd,
        t.review,
      ]),
    ),
    'Reviewed by: ____________________  Date: __________  (sign-off)',
    '',
  ],
  csv: (c) => ({
    'tokens.csv': toCsv(
      [
        'token_id',
        'subject',
        'role',
        'created',
        'expires',
        'revoked',
        'last_used',
        'status_at_end',
        'issued_in_period',
        'revoked_in_period',
        'review',
      ],
      c.tokens.map((t) => [
        t.id,
        t.subject,
        t.role,
        iso(t.createdAtMs),
        iso(t.expiresAtMs),
        iso(t.revokedAtMs),
        iso(t.lastUsedAtMs),
        t.statusAtEnd,
        t.issuedInPeriod,
        t.revokedInPeriod,
        t.review,
      ]),
    ),
    'token-audit.csv': toCsv(
      ['time', 'actor', 'action', 'detail'],
      c.audit.map((a) => [iso(a.atMs), a.actor, a.action, a.detail]),
    ),
  }),
});
