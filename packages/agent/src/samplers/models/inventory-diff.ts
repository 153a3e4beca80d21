import { AttributeNames, EventNames, type IntegrityOutcomes, ModelChanges } from '@perimeter/schema';
import type { EventReading } from '../types.ts';
import type { ModelEntry } from './model-entry.ts';

/**
 * What the collector was last told about each model (kept in the state store, so a restart does
 * not announce every model as added again), and the `model.change` events between that and now.
 */
export interface KnownModel {
  name: string;
  digest: string;
  path: string;
  /** The model's own description (Ollama manifest digest, HF revision, GGUF header fields). */
  manifest: string;
}

export type KnownModels = Record<string, KnownModel>;

/** A GGUF file has no manifest: its header fields stand in for one. */
export function manifestOf(entry: ModelEntry): string {
  return entry.source === 'gguf'
    ? [entry.family, entry.quantization, entry.parameters].join('|')
    : entry.manifestDigest;
}

function changeEvent(
  change: (typeof ModelChanges)[keyof typeof ModelChanges],
  name: string,
  digest: string,
  previous: string,
  path: string,
  timeMs: number,
): EventReading {
  const what =
    change === 'replaced'
      ? `${previous.slice(0, 12)} → ${digest.slice(0, 12)}`
      : (digest || previous).slice(0, 12);
  return {
    event: EventNames.modelChange,
    timeMs,
    body: `model ${name} ${change} (${what}) at ${path}`,
    severity: change === 'added' ? 'info' : 'warn',
    attributes: {
      [AttributeNames.modelChange]: change,
      [AttributeNames.modelName]: name,
      [AttributeNames.modelDigest]: digest,
      [AttributeNames.modelPreviousDigest]: previous,
      [AttributeNames.modelPath]: path,
    },
  };
}

/** `model.integrity`: weights whose content is not what their name or the last inventory says. */
export function integrityEvent(
  name: string,
  path: string,
  expected: string,
  observed: string,
  outcome: (typeof IntegrityOutcomes)[keyof typeof IntegrityOutcomes],
  timeMs: number,
): EventReading {
  return {
    event: EventNames.modelIntegrity,
    timeMs,
    body:
      outcome === 'mismatch'
        ? `weights of ${name} at ${path} no longer match: expected sha256 ${expected}, found ${observed}`
        : `weights of ${name} at ${path} could not be read (${observed})`,
    severity: 'error',
    attributes: {
      [AttributeNames.modelName]: name,
      [AttributeNames.modelPath]: path,
      [AttributeNames.integrityExpected]: expected,
      [AttributeNames.integrityObserved]: observed,
      [AttributeNames.integrityOutcome]: outcome,
    },
  };
}

/** Entries whose digest is still unknown (unreadable weights) are neither added nor removed. */
export function diffInventory(
  known: KnownModels,
  current: readonly ModelEntry[],
  timeMs: number,
): { events: EventReading[]; next: KnownModels } {
  const events: EventReading[] = [];
  const next: KnownModels = {};
  const seen = new Set<string>();
  for (const entry of current) {
    seen.add(entry.key);
    const before = known[entry.key];
    if (entry.digest === null) {
      if (before) next[entry.key] = before;
      continue;
    }
    next[entry.key] = {
      name: entry.name,
      digest: entry.digest,
      path: entry.path,
      manifest: manifestOf(entry),
    };
    if (!before)
      events.push(changeEvent(ModelChanges.added, entry.name, entry.digest, '', entry.path, timeMs));
    else if (before.digest !== entry.digest && before.manifest !== manifestOf(entry))
      events.push(
        changeEvent(ModelChanges.replaced, entry.name, entry.digest, before.digest, entry.path, timeMs),
      );
    else if (before.digest !== entry.digest)
      // New weights under an unchanged manifest (a GGUF rewritten with the same header, an HF
      // snapshot re-pointed at other blobs): nobody pulled a new version, so it is tampering.
      events.push(integrityEvent(entry.name, entry.path, before.digest, entry.digest, 'mismatch', timeMs));
  }
  for (const [key, before] of Object.entries(known)) {
    if (!seen.has(key))
      events.push(changeEvent(ModelChanges.removed, before.name, '', before.digest, before.path, timeMs));
  }
  return { events, next };
}
