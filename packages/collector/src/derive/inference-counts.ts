import { AttributeNames, EventNames, ModelChanges } from '@perimeter/schema';
import { type DerivedRowWriter, type ModelEventKind, SkipReasons, type StoredEvent } from './types.ts';

/**
 * Counts folded from the AI workload's events in the ingest transaction: `inference.request` per
 * status code and its tokens per direction; `model.integrity` failures and `model.change` kinds per
 * node. Who called, from where and which model stay in the events table (evidence reads them).
 */
const MODEL_CHANGE_KINDS: ReadonlySet<string> = new Set(Object.values(ModelChanges));

export function deriveInferenceCounts({ nodeId, event }: StoredEvent, counts: DerivedRowWriter): void {
  switch (event.eventName) {
    case EventNames.inferenceRequest: {
      const code = statusCode(event.attributes[AttributeNames.httpResponseStatusCode]);
      if (code === null) {
        // Stored as evidence; a request without a status cannot be put under any code.
        counts.countSkipped(SkipReasons.inferenceStatusUnusable);
        return;
      }
      counts.countRequest(nodeId, code);
      const input = tokenCount(event.attributes[AttributeNames.genAiInputTokens]);
      if (input !== null) counts.addTokens(nodeId, 'input', input);
      const output = tokenCount(event.attributes[AttributeNames.genAiOutputTokens]);
      if (output !== null) counts.addTokens(nodeId, 'output', output);
      return;
    }
    case EventNames.modelIntegrity:
      counts.countModelEvent(nodeId, 'integrity_failure');
      return;
    case EventNames.modelChange: {
      const kind = event.attributes[AttributeNames.modelChange];
      if (typeof kind === 'string' && MODEL_CHANGE_KINDS.has(kind)) {
        counts.countModelEvent(nodeId, kind as ModelEventKind);
      } else {
        counts.countSkipped(SkipReasons.modelChangeUnknown);
      }
      return;
    }
  }
}

/** A 3-digit HTTP status (100-599) as text, from an int or a numeric string; anything else null. */
export function statusCode(value: unknown): string | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  return /^[1-5][0-9][0-9]$/.test(text) ? text : null;
}

/** Token counts are whole and non-negative; "unknown" is absent, never 0. */
function tokenCount(value: unknown): number | null {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}
