import { homedir } from 'node:os';
import type { SourceDefinition } from '../types.ts';
import { modelStoreProbeRows } from './probe-rows.ts';
import { createModelsSampler, MODELS_SAMPLER_NAME, modelStores } from './sampler.ts';

/**
 * The AI workload's models on disk (ARCHITECTURE.md "The AI workload"): Ollama stores, Hugging Face
 * caches and GGUF folders from config `models`, inventoried with their weights' digests and checked
 * at rest (sampler.ts). What it last announced lives in the spool's state (context.state), so a
 * restart does not announce every model again.
 */
export const modelsSourceDefinition: SourceDefinition<'models'> = {
  name: MODELS_SAMPLER_NAME,
  defaultEnabled: true,
  platforms: ['darwin', 'linux'],
  configKey: 'models',
  notReplayable: 'not replayable from a capture (it stats and hashes model files on this host)',
  createSampler: (context, models) =>
    createModelsSampler(context, { settings: models, state: context.state }),
  probeRows: (context, models) =>
    modelStoreProbeRows(context.fs.root, modelStores(models, process.env, homedir())),
};
