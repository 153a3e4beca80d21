import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MetricNames } from '@perimeter/schema';
import type { ProbeRow } from '../../capture/probe-catalogue.ts';
import type { StoreLocation } from './sampler.ts';
import { underRoot } from './store-io.ts';

/**
 * The `probe` rows for models: one per store the sampler would read, saying whether the agent's
 * user can list it. A store it may not read is a row with the reason (the usual cause: Ollama's
 * systemd install keeps /usr/share/ollama/.ollama 0700 for user ollama), never a crash.
 */
const LISTED: Record<StoreLocation['kind'], string> = { ollama: 'manifests', huggingface: '', gguf: '' };

export function modelStoreProbeRows(root: string, stores: readonly StoreLocation[]): ProbeRow[] {
  return stores.map((store) => {
    const row = { sampler: 'models', reading: MetricNames.modelInfo, source: `${store.kind} ${store.dir}` };
    try {
      const entries = readdirSync(underRoot(root, join(store.dir, LISTED[store.kind])));
      return { ...row, status: 'available' as const, reason: `readable (${entries.length} entries)` };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR')
        return { ...row, status: 'not on this host' as const, reason: 'no such folder' };
      return {
        ...row,
        status: code === 'EACCES' || code === 'EPERM' ? ('needs root' as const) : ('error' as const),
        reason: `not readable by this user (${code ?? (error as Error).message}): add the agent user to the store owner's group or set models.ollamaDirs`,
      };
    }
  });
}
