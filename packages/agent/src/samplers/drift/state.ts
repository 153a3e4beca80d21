import type { CheckStatus } from './check.ts';

/**
 * The previous result of every check, so `config.drift` fires only on change. The agent backs
 * this with its SQLite spool so a restart does not re-announce every value; tests and the
 * built-in definition use the in-memory store.
 */
export interface DriftStateEntry {
  observed: string | null;
  status: CheckStatus | string;
}

export type DriftState = Record<string, DriftStateEntry>;

export interface DriftStateStore {
  load(): DriftState;
  save(state: DriftState): void;
}

export function createMemoryDriftStateStore(initial: DriftState = {}): DriftStateStore {
  let state = structuredClone(initial);
  return {
    load: () => structuredClone(state),
    save: (next) => {
      state = structuredClone(next);
    },
  };
}
