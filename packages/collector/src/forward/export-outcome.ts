import type { ExportOutcome } from '@perimeter/schema/otlp';
import type { SendOutcome } from './types.ts';

/**
 * The shared OTLP client's outcome (@perimeter/schema/otlp) as the forwarder acts on it. A refused
 * credential (401/403) is parked like any other refusal: the upstream's headers are this
 * collector's config, and the dead-letter table shows the operator what to fix and lets them retry.
 */
export function toSendOutcome(outcome: ExportOutcome): SendOutcome {
  switch (outcome.kind) {
    case 'ok':
      if (outcome.partial === undefined) return { kind: 'ok', rejectedItems: 0 };
      return outcome.partial.message === ''
        ? { kind: 'ok', rejectedItems: outcome.partial.rejected }
        : { kind: 'ok', rejectedItems: outcome.partial.rejected, message: outcome.partial.message };
    case 'rejected':
      return { kind: 'rejected', reason: outcome.detail, status: outcome.status };
    case 'auth':
      return { kind: 'rejected', reason: outcome.detail, status: outcome.status as number };
    case 'retryable': {
      if (outcome.status === 'network-error')
        return { kind: 'retryable', reason: `network: ${outcome.detail}` };
      const retry = { kind: 'retryable', reason: outcome.detail, status: outcome.status } as const;
      return outcome.retryAfterMs === undefined ? retry : { ...retry, retryAfterMs: outcome.retryAfterMs };
    }
  }
}
