import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeNames, EventNames, MetricNames } from '@perimeter/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFsRoot } from '../../host/fs-root.ts';
import { createTestContext } from '../../test-support/context.ts';
import { createLateStateStore, type SamplerStateStore } from '../state-store.ts';
import type { EventReading, MetricReading, SampleResult } from '../types.ts';
import { createModelsSampler, type ModelsSettings } from './sampler.ts';

/**
 * Real stores in temp folders around the real GGUF fixture: an Ollama store whose model blob is
 * that file under its own SHA-256, a Hugging Face cache whose snapshot links to it, and a GGUF
 * folder. The agent's fs root is the temp folder, as `fsRoot` makes it in tests.
 */
const GGUF = new URL('testdata/ggml-vocab-bert-bge.gguf', import.meta.url);
const GGUF_SHA = 'fbcbe22278fb302694d5f4a41bfe48c5f90e8e3554eab1c0435387dff654a854';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'perimeter-models-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const sha = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** Writes a blob under its own digest and returns the digest. */
function blob(store: string, bytes: Buffer | string): string {
  const digest = sha(bytes);
  mkdirSync(join(root, store, 'blobs'), { recursive: true });
  writeFileSync(join(root, store, 'blobs', `sha256-${digest}`), bytes);
  return digest;
}

/** An Ollama model as `ollama pull` leaves it: config blob, model blob, manifest (WriteManifest's field order). */
function ollamaModel(store: string, model: string, tag: string, weights: Buffer): string {
  const config = `{"model_format":"gguf","model_family":"bert","model_families":["bert"],"model_type":"335M","file_type":"F16","architecture":"amd64","os":"linux"}`;
  const configDigest = blob(store, config);
  const weightsDigest = blob(store, weights);
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      digest: `sha256:${configDigest}`,
      size: config.length,
    },
    layers: [
      {
        mediaType: 'application/vnd.ollama.image.model',
        digest: `sha256:${weightsDigest}`,
        size: weights.length,
      },
      {
        mediaType: 'application/vnd.ollama.image.template',
        digest: `sha256:${blob(store, '{{ .Prompt }}')}`,
        size: 13,
      },
    ],
  };
  const dir = join(root, store, 'manifests/registry.ollama.ai/library', model);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, tag), `${JSON.stringify(manifest)}\n`);
  return weightsDigest;
}

const settings = (overrides: Partial<ModelsSettings> = {}): ModelsSettings => ({
  ollamaDirs: ['/ollama'],
  huggingfaceCaches: [],
  dirs: [],
  interval: 60_000,
  hashRate: 50 * 1024 * 1024,
  ...overrides,
});

function harness(
  options: { settings?: ModelsSettings; state?: SamplerStateStore; rehashAgeMs?: number } = {},
) {
  let now = Date.UTC(2026, 0, 1);
  const context = createTestContext(createFsRoot(root), { clock: { nowMs: () => now } });
  const state = options.state ?? createLateStateStore();
  const sampler = createModelsSampler(context, {
    settings: options.settings ?? settings(),
    state,
    env: {},
    home: '/home/agent',
    ...(options.rehashAgeMs === undefined ? {} : { rehashAgeMs: options.rehashAgeMs }),
  });
  return {
    sampler,
    state,
    context,
    /** A full round: the clock moves one interval on. */
    async round(): Promise<Extract<SampleResult, { status: 'ok' }>> {
      now += 60_000;
      const result = await sampler.collect();
      if (result.status !== 'ok') throw new Error(`round failed: ${JSON.stringify(result)}`);
      return result;
    },
    /** A round between full rounds (background re-hash only), --ms after the previous one. */
    async between(ms = 10_000): Promise<MetricReading[]> {
      now += ms;
      const result = await sampler.collect();
      return result.status === 'ok' ? result.readings : [];
    },
  };
}

const ofEvent = (events: EventReading[] | undefined, name: string) =>
  (events ?? []).filter((e) => e.event === name);

describe('models sampler: Ollama store', () => {
  it('inventories a model with both digests and the config blob fields, announces it once', async () => {
    const digest = ollamaModel('ollama', 'bge', 'latest', readFileSync(GGUF));
    expect(digest).toBe(GGUF_SHA);
    const h = harness();
    const first = await h.round();
    const info = first.readings.find((r) => r.metric === MetricNames.modelInfo);
    const manifestBytes = readFileSync(join(root, 'ollama/manifests/registry.ollama.ai/library/bge/latest'));
    expect(info?.attributes).toMatchObject({
      [AttributeNames.modelName]: 'bge:latest',
      [AttributeNames.modelSource]: 'ollama',
      [AttributeNames.modelDigest]: GGUF_SHA,
      [AttributeNames.modelManifestDigest]: sha(manifestBytes),
      [AttributeNames.modelFormat]: 'gguf',
      [AttributeNames.modelFamily]: 'bert',
      [AttributeNames.modelParameters]: '335M',
      [AttributeNames.modelQuantization]: 'F16',
      [AttributeNames.modelPath]: `/ollama/blobs/sha256-${GGUF_SHA}`,
    });
    expect(first.readings.find((r) => r.metric === MetricNames.modelSize)?.value).toBe(627_549 + 13);
    const added = ofEvent(first.events, EventNames.modelChange);
    expect(added.map((e) => e.attributes[AttributeNames.modelChange])).toEqual(['added']);
    expect(ofEvent(first.events, EventNames.modelIntegrity)).toEqual([]);

    // Same state store, new sampler: a restart announces nothing again and hashes nothing again.
    const again = harness({ state: h.state });
    const second = await again.round();
    expect(second.events).toEqual([]);
  });

  it('reports a blob tampered in place, even when size and mtime were put back, once', async () => {
    ollamaModel('ollama', 'bge', 'latest', readFileSync(GGUF));
    const h = harness({ rehashAgeMs: 0 });
    await h.round();
    const path = join(root, 'ollama/blobs', `sha256-${GGUF_SHA}`);
    const before = statSync(path);
    const bytes = readFileSync(path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(path, bytes);
    utimesSync(path, before.atime, before.mtime);
    // ctime moved (nobody can put it back), so the next full round re-hashes at once.
    const round = await h.round();
    const [integrity] = ofEvent(round.events, EventNames.modelIntegrity);
    expect(integrity?.attributes).toMatchObject({
      [AttributeNames.modelName]: 'bge:latest',
      [AttributeNames.integrityExpected]: GGUF_SHA,
      [AttributeNames.integrityObserved]: sha(bytes),
      [AttributeNames.integrityOutcome]: 'mismatch',
    });
    expect(ofEvent((await h.round()).events, EventNames.modelIntegrity)).toEqual([]);
  });

  it('the background re-hash finds content that changed under an unchanged identity', async () => {
    ollamaModel('ollama', 'bge', 'latest', readFileSync(GGUF));
    const h = harness({ rehashAgeMs: 0 });
    await h.round();
    // Make the cache lie about the content (as a bit flip on disk would): the stat check trusts
    // it, only the background re-hash can find out.
    const stateText = h.state.read('models:state') ?? '';
    const state = JSON.parse(stateText);
    const blobPath = `/ollama/blobs/sha256-${GGUF_SHA}`;
    state.digests[blobPath].sha256 = GGUF_SHA;
    const bytes = readFileSync(join(root, blobPath));
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0x01, 100);
    const s = statSync(join(root, blobPath));
    writeFileSync(join(root, blobPath), bytes);
    utimesSync(join(root, blobPath), s.atime, s.mtime);
    const after = statSync(join(root, blobPath));
    state.digests[blobPath] = { ...state.digests[blobPath], ctimeMs: after.ctimeMs, mtimeMs: after.mtimeMs };
    h.state.stage('models:state', JSON.stringify(state));
    const restarted = harness({ state: h.state, rehashAgeMs: 0 });
    expect(ofEvent((await restarted.round()).events, EventNames.modelIntegrity)).toEqual([]);
    await restarted.between(); // 10 s at 50 MiB/s: the whole 600 KiB file
    const [integrity] = ofEvent((await restarted.round()).events, EventNames.modelIntegrity);
    expect(integrity?.attributes[AttributeNames.integrityObserved]).toBe(sha(bytes));
  });

  it('sends the gauges on a full round and once a minute between, not every round', async () => {
    ollamaModel('ollama', 'bge', 'latest', readFileSync(GGUF));
    const h = harness({ settings: settings({ interval: 10 * 60_000 }) });
    expect((await h.round()).readings).toHaveLength(2);
    for (let i = 0; i < 5; i++) expect(await h.between()).toEqual([]); // 10 … 50 s after
    const minuteOn = await h.between(); // 60 s after the full round: re-sent, inside any staleness window
    expect(minuteOn.map((r) => r.metric).sort()).toEqual(
      [MetricNames.modelInfo, MetricNames.modelSize].sort(),
    );
    expect(await h.between()).toEqual([]);
  });

  it('reports a replaced model with the previous digest, and a removed one', async () => {
    const gguf = readFileSync(GGUF);
    ollamaModel('ollama', 'bge', 'latest', gguf);
    const h = harness();
    await h.round();
    const newer = Buffer.concat([gguf, Buffer.from('new quantisation')]);
    const newDigest = ollamaModel('ollama', 'bge', 'latest', newer);
    const [replaced] = ofEvent((await h.round()).events, EventNames.modelChange);
    expect(replaced?.attributes).toMatchObject({
      [AttributeNames.modelChange]: 'replaced',
      [AttributeNames.modelDigest]: newDigest,
      [AttributeNames.modelPreviousDigest]: GGUF_SHA,
    });
    rmSync(join(root, 'ollama/manifests/registry.ollama.ai/library/bge'), { recursive: true });
    const round = await h.round();
    const [removed] = ofEvent(round.events, EventNames.modelChange);
    expect(removed?.attributes).toMatchObject({
      [AttributeNames.modelChange]: 'removed',
      [AttributeNames.modelName]: 'bge:latest',
      [AttributeNames.modelPreviousDigest]: newDigest,
    });
    expect(round.readings).toEqual([]);
  });

  it('a model directory the agent cannot read is a logged, probed fact: no crash, no "removed"', async () => {
    ollamaModel('ollama', 'bge', 'latest', readFileSync(GGUF));
    const h = harness();
    await h.round();
    // As root, chmod cannot deny a read; a symlink loop fails readdir the same way (ELOOP).
    rmSync(join(root, 'ollama/manifests'), { recursive: true });
    symlinkSync('manifests', join(root, 'ollama/manifests'));
    const round = await h.round();
    expect(round.events).toEqual([]);
    expect(h.sampler.unreadableStores()).toEqual([
      { dir: '/ollama', reason: expect.stringContaining('/ollama/manifests') },
    ]);
    const warn = (h.context.log as unknown as { entries: { level: string; msg?: string }[] }).entries.find(
      (entry) => entry.level === 'warn',
    );
    expect(warn?.msg).toBe('model store not readable by the agent');
  });

  it('a weights blob that cannot be read is a model.integrity "unreadable" event, once', async () => {
    ollamaModel('ollama', 'bge', 'latest', readFileSync(GGUF));
    const h = harness();
    await h.round();
    const path = join(root, 'ollama/blobs', `sha256-${GGUF_SHA}`);
    rmSync(path);
    symlinkSync(`sha256-${GGUF_SHA}`, path);
    const [integrity] = ofEvent((await h.round()).events, EventNames.modelIntegrity);
    expect(integrity?.attributes).toMatchObject({
      [AttributeNames.integrityOutcome]: 'unreadable',
      [AttributeNames.integrityObserved]: 'ELOOP',
    });
    expect((await h.round()).events).toEqual([]);
  });
});

describe('models sampler: Hugging Face cache and GGUF folders', () => {
  function hfModel(): string {
    const repo = join(root, 'hf/models--BAAI--bge-small');
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    mkdirSync(join(repo, 'refs'), { recursive: true });
    const revision = 'a5beb1e3e68b9ab74eb54cfd186867f64f240e1a';
    mkdirSync(join(repo, 'snapshots', revision), { recursive: true });
    writeFileSync(join(repo, 'refs/main'), revision);
    copyFileSync(GGUF, join(repo, 'blobs', GGUF_SHA));
    symlinkSync(`../../blobs/${GGUF_SHA}`, join(repo, 'snapshots', revision, 'model.gguf'));
    writeFileSync(join(repo, 'blobs', 'd7edf6bd2a681fb0175f7735299831ee1b22b812'), '# readme');
    symlinkSync(
      '../../blobs/d7edf6bd2a681fb0175f7735299831ee1b22b812',
      join(repo, 'snapshots', revision, 'README.md'),
    );
    return revision;
  }

  it('lists the snapshot refs/main names, with the LFS digest, and catches a tampered LFS blob', async () => {
    const revision = hfModel();
    const h = harness({ settings: settings({ ollamaDirs: [], huggingfaceCaches: ['/hf'] }) });
    const first = await h.round();
    expect(first.readings.find((r) => r.metric === MetricNames.modelInfo)?.attributes).toMatchObject({
      [AttributeNames.modelName]: 'BAAI/bge-small',
      [AttributeNames.modelSource]: 'huggingface',
      [AttributeNames.modelDigest]: GGUF_SHA,
      [AttributeNames.modelManifestDigest]: revision,
      [AttributeNames.modelFormat]: 'gguf',
    });
    writeFileSync(join(root, 'hf/models--BAAI--bge-small/blobs', GGUF_SHA), 'not the weights');
    const [integrity] = ofEvent((await h.round()).events, EventNames.modelIntegrity);
    expect(integrity?.attributes).toMatchObject({
      [AttributeNames.integrityExpected]: GGUF_SHA,
      [AttributeNames.integrityObserved]: sha('not the weights'),
      [AttributeNames.integrityOutcome]: 'mismatch',
    });
  });

  it('reads GGUF metadata from the header, and a rewrite under the same header is tampering', async () => {
    mkdirSync(join(root, 'models/sub'), { recursive: true });
    copyFileSync(GGUF, join(root, 'models/sub/bge.gguf'));
    const h = harness({ settings: settings({ ollamaDirs: [], dirs: ['/models'] }) });
    const first = await h.round();
    expect(first.readings.find((r) => r.metric === MetricNames.modelInfo)?.attributes).toMatchObject({
      [AttributeNames.modelName]: 'bge.gguf',
      [AttributeNames.modelSource]: 'gguf',
      [AttributeNames.modelDigest]: GGUF_SHA,
      [AttributeNames.modelFamily]: 'bert',
      [AttributeNames.modelQuantization]: 'F16',
      [AttributeNames.modelPath]: '/models/sub/bge.gguf',
    });
    const bytes = readFileSync(GGUF);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1); // the vocabulary's last byte: the header is unchanged
    writeFileSync(join(root, 'models/sub/bge.gguf'), bytes);
    const round = await h.round();
    expect(ofEvent(round.events, EventNames.modelChange)).toEqual([]);
    const [integrity] = ofEvent(round.events, EventNames.modelIntegrity);
    expect(integrity?.attributes).toMatchObject({
      [AttributeNames.integrityExpected]: GGUF_SHA,
      [AttributeNames.integrityObserved]: sha(bytes),
    });
  });

  it('a file that is not GGUF is skipped with a logged reason', async () => {
    mkdirSync(join(root, 'models'), { recursive: true });
    writeFileSync(join(root, 'models/fake.gguf'), 'GGML but not really');
    const h = harness({ settings: settings({ ollamaDirs: [], dirs: ['/models'] }) });
    const round = await h.round();
    expect(round.readings).toEqual([]);
  });
});
