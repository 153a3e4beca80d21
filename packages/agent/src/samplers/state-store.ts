import type { Spool } from '../spool/types.ts';

/**
 * Small named state a sampler keeps across restarts (the drift sampler's last results), stored as
 * spool cursors. A write is staged and committed with the next logs batch, which is the batch that
 * announces the change (config.drift), so the state and its announcement land together: after a
 * crash between the two, the change is announced again, never lost. Until the agent opens its
 * spool (and in `once`/`probe`, which have none) reads are empty and writes stay in memory.
 */
export interface SamplerStateStore {
  read(name: string): string | null;
  stage(name: string, value: string): void;
}

export interface LateSamplerStateStore extends SamplerStateStore {
  bind(spool: Pick<Spool, 'readCursor' | 'stageCursor'>): void;
}

export function createLateStateStore(): LateSamplerStateStore {
  let spool: Pick<Spool, 'readCursor' | 'stageCursor'> | undefined;
  const memory = new Map<string, string>();
  return {
    bind(opened) {
      spool = opened;
    },
    read(name) {
      return memory.get(name) ?? spool?.readCursor(name) ?? null;
    },
    stage(name, value) {
      memory.set(name, value);
      spool?.stageCursor(name, value);
    },
  };
}
