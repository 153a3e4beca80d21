import { homedir } from 'node:os';
import { join } from 'node:path';
import { type AgentConfig, AttributeNames, MetricNames } from '@perimeter/schema';
import type { SamplerStateStore } from '../state-store.ts';
import type { EventReading, MetricReading, Sampler, SamplerContext } from '../types.ts';
import { createGgufHeaderCache, readGgufFolder } from './gguf-files.ts';
import { readHuggingfaceCache } from './huggingface-cache.ts';
import { diffInventory, integrityEvent, type KnownModels } from './inventory-diff.ts';
import { combinedDigest, type ModelEntry } from './model-entry.ts';
import { readOllamaStore, type StoreRead } from './ollama-store.ts';
import { StoreUnreadableError } from './store-io.ts';
import { type CachedDigest, createWeightsVerifier, type FileCheck } from './weights-verifier.ts';

/** How often the model gauges are re-sent between full inventory rounds. */
const GAUGE_EVERY_MS = 60_000;

/**
 * The `models` sampler: every `models.interval` (default 60 s) it reads the Ollama stores, the
 * Hugging Face caches and the GGUF folders, stats every weights file (hashing the new or changed
 * ones), and reports `perimeter.model.info`/`perimeter.model.size` per model, `model.change` against
 * what the collector was last told, and `model.integrity` when weights are not what their name says
 * or cannot be read. Rounds in between repeat the gauges once a minute and spend the `models.hashRate`
 * budget on background re-hashing (weights-verifier.ts), whose findings the next full round reports.
 */
export const MODELS_SAMPLER_NAME = 'models';
const STATE_NAME = 'models:state';

export type ModelsSettings = AgentConfig['models'];

interface ModelsState {
  models: KnownModels;
  digests: Record<string, CachedDigest>;
  /** Per weights file: the last verdict reported (`ok`, `mismatch:<sha>`, `unreadable:<why>`). */
  verdicts: Record<string, string>;
}

export interface StoreLocation {
  kind: 'ollama' | 'huggingface' | 'gguf';
  dir: string;
}

/** Where models are looked for: the config's lists, else each server's documented defaults. */
export function modelStores(settings: ModelsSettings, env: NodeJS.ProcessEnv, home: string): StoreLocation[] {
  const ollama = settings.ollamaDirs ?? [
    ...(env.OLLAMA_MODELS ? [env.OLLAMA_MODELS] : []),
    join(home, '.ollama/models'),
    '/usr/share/ollama/.ollama/models',
  ];
  const huggingface = settings.huggingfaceCaches ?? [
    ...(env.HF_HUB_CACHE ? [env.HF_HUB_CACHE] : []),
    ...(env.HF_HOME ? [join(env.HF_HOME, 'hub')] : []),
    join(home, '.cache/huggingface/hub'),
  ];
  const unique = (dirs: string[]) => [...new Set(dirs)];
  return [
    ...unique(ollama).map((dir) => ({ kind: 'ollama' as const, dir })),
    ...unique(huggingface).map((dir) => ({ kind: 'huggingface' as const, dir })),
    ...unique(settings.dirs).map((dir) => ({ kind: 'gguf' as const, dir })),
  ];
}

export interface ModelsSamplerOptions {
  settings: ModelsSettings;
  env?: NodeJS.ProcessEnv;
  home?: string;
  state?: SamplerStateStore | undefined;
  rehashAgeMs?: number;
}

export interface ModelsSampler extends Sampler {
  /** Stores the last full round could not read, with why (for `probe`). */
  unreadableStores(): { dir: string; reason: string }[];
}

function loadState(store: SamplerStateStore | undefined): ModelsState {
  const empty: ModelsState = { models: {}, digests: {}, verdicts: {} };
  const text = store?.read(STATE_NAME);
  if (!text) return empty;
  try {
    return { ...empty, ...(JSON.parse(text) as Partial<ModelsState>) };
  } catch {
    return empty;
  }
}

function infoAttributes(entry: ModelEntry, digest: string): MetricReading['attributes'] {
  return {
    [AttributeNames.modelName]: entry.name,
    [AttributeNames.modelSource]: entry.source,
    [AttributeNames.modelDigest]: digest,
    [AttributeNames.modelManifestDigest]: entry.manifestDigest,
    [AttributeNames.modelFormat]: entry.format,
    [AttributeNames.modelQuantization]: entry.quantization,
    [AttributeNames.modelParameters]: entry.parameters,
    [AttributeNames.modelPath]: entry.path,
    [AttributeNames.modelFamily]: entry.family,
    ...(entry.adapters.length > 0 ? { [AttributeNames.modelAdapters]: entry.adapters.join(',') } : {}),
    ...(entry.projectors.length > 0 ? { [AttributeNames.modelProjectors]: entry.projectors.join(',') } : {}),
  };
}

/** Fills in what only the files can tell: the digest of HF and GGUF models, the size of HF ones. */
function completeEntry(entry: ModelEntry, checks: ReadonlyMap<string, FileCheck>): ModelEntry {
  if (entry.source === 'ollama') return entry;
  const files = entry.files.map((file) => ({ file, check: checks.get(file.path) }));
  const size = files.reduce((sum, { check }) => sum + (check?.status === 'ok' ? check.size : 0), 0);
  const parts = files.map(({ file, check }) => ({
    relativePath: file.role,
    sha256: file.expected ?? (check?.status === 'ok' ? check.sha256 : ''),
  }));
  const digest = parts.some((part) => part.sha256 === '') ? null : combinedDigest(parts);
  return { ...entry, digest, size: entry.source === 'gguf' ? entry.size : size };
}

export function createModelsSampler(context: SamplerContext, options: ModelsSamplerOptions): ModelsSampler {
  const { settings } = options;
  const stores = modelStores(settings, options.env ?? process.env, options.home ?? homedir());
  let state = loadState(options.state);
  const verifier = createWeightsVerifier(
    {
      root: context.fs.root,
      ...(options.rehashAgeMs === undefined ? {} : { rehashAgeMs: options.rehashAgeMs }),
    },
    state.digests,
  );
  const headers = createGgufHeaderCache();
  const warned = new Set<string>();
  let unreadable: { dir: string; reason: string }[] = [];
  let last: { atMs: number; readings: MetricReading[]; reportedAtMs: number } | undefined;
  let lastBackgroundMs: number | undefined;

  const warnOnce = (key: string, fields: object, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    context.log.warn(fields, message);
  };

  const save = () => {
    state = { ...state, digests: verifier.snapshot() };
    options.state?.stage(STATE_NAME, JSON.stringify(state));
  };

  async function readStore(store: StoreLocation): Promise<StoreRead> {
    const root = context.fs.root;
    if (store.kind === 'ollama') return readOllamaStore(root, store.dir);
    if (store.kind === 'huggingface') return readHuggingfaceCache(root, store.dir);
    return readGgufFolder(root, store.dir, headers);
  }

  async function fullRound(now: number): Promise<{ readings: MetricReading[]; events: EventReading[] }> {
    const entries: ModelEntry[] = [];
    unreadable = [];
    for (const store of stores) {
      try {
        const read = await readStore(store);
        entries.push(...read.models);
        for (const problem of read.problems)
          warnOnce(`problem:${problem.path}`, problem, 'model skipped: its description could not be read');
      } catch (error) {
        if (!(error instanceof StoreUnreadableError)) throw error;
        unreadable.push({ dir: store.dir, reason: error.message });
        warnOnce(
          `store:${store.dir}`,
          { dir: store.dir, reason: error.message },
          'model store not readable by the agent',
        );
      }
    }
    const paths = [...new Set(entries.flatMap((entry) => entry.files.map((file) => file.path)))];
    const checks = new Map((await verifier.check(paths, now)).map((check) => [check.path, check]));
    const events: EventReading[] = [];
    const verdicts: Record<string, string> = {};
    for (const entry of entries) {
      for (const file of entry.files) {
        const check = checks.get(file.path);
        if (check === undefined || verdicts[file.path] !== undefined) continue;
        const verdict =
          check.status === 'unreadable'
            ? `unreadable:${check.reason}`
            : file.expected !== null && check.sha256 !== file.expected
              ? `mismatch:${check.sha256}`
              : 'ok';
        verdicts[file.path] = verdict;
        if (verdict === 'ok' || state.verdicts[file.path] === verdict) continue;
        const observed = verdict.slice(verdict.indexOf(':') + 1);
        const outcome = check.status === 'unreadable' ? 'unreadable' : 'mismatch';
        events.push(integrityEvent(entry.name, file.path, file.expected ?? '', observed, outcome, now));
      }
    }
    const complete = entries.map((entry) => completeEntry(entry, checks));
    // Models in a store the agent cannot read now are not "removed": keep what was known of them.
    const hidden: KnownModels = {};
    const visible: KnownModels = {};
    for (const [key, model] of Object.entries(state.models)) {
      const inUnreadable = unreadable.some((store) => model.path.startsWith(`${store.dir}/`));
      (inUnreadable ? hidden : visible)[key] = model;
    }
    const diff = diffInventory(visible, complete, now);
    events.push(...diff.events);
    const readings = complete.flatMap((entry): MetricReading[] => {
      const digest = entry.digest ?? state.models[entry.key]?.digest ?? '';
      const attributes = infoAttributes(entry, digest);
      return [
        { metric: MetricNames.modelInfo, value: 1, attributes },
        { metric: MetricNames.modelSize, value: entry.size, attributes },
      ];
    });
    verifier.retain(new Set(paths));
    state = { models: { ...hidden, ...diff.next }, digests: state.digests, verdicts };
    save();
    return { readings, events };
  }

  return {
    name: MODELS_SAMPLER_NAME,
    unreadableStores: () => unreadable,
    async collect() {
      const now = context.clock.nowMs();
      const elapsedS = lastBackgroundMs === undefined ? 0 : Math.max(0, now - lastBackgroundMs) / 1000;
      lastBackgroundMs = now;
      // A clock that jumped backwards re-runs rather than waiting out the jump.
      if (last && now >= last.atMs && now - last.atMs < settings.interval) {
        const budget = Math.floor(settings.hashRate * Math.min(elapsedS, settings.interval / 1000));
        if ((await verifier.background(budget, now)).length > 0) save();
        // The gauges go out once a minute, not every round: they only change on a full round, and
        // 40 points of long attributes each 10 s round cost the agent ~10 CPU s/hour for 20 models
        // (bench/agent-overhead.ts --ai). A minute stays well inside the collector's and
        // Prometheus's 5-minute staleness, whatever models.interval is.
        const due = now - last.reportedAtMs >= GAUGE_EVERY_MS || now < last.reportedAtMs;
        if (due) last.reportedAtMs = now;
        return { status: 'ok', readings: due ? last.readings : [] };
      }
      try {
        const { readings, events } = await fullRound(now);
        last = { atMs: now, readings, reportedAtMs: now };
        return { status: 'ok', readings, events };
      } catch (error) {
        return { status: 'error', error: error as Error };
      }
    },
  };
}
