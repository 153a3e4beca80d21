import { join } from 'node:path';
import type { ModelEntry, WeightsFile } from './model-entry.ts';
import { sha256Hex } from './model-entry.ts';
import {
  layerKind,
  type OllamaConfig,
  ollamaModelName,
  parseOllamaConfig,
  parseOllamaManifest,
  WEIGHT_LAYER_KINDS,
} from './ollama-manifest.ts';
import { listFolder, readSmallFile } from './store-io.ts';

/**
 * Every model in one Ollama store: `manifests/<host>/<namespace>/<model>/<tag>` (Ollama's own
 * Manifests() globs `manifests/*\/*\/*\/*`) and the `blobs/sha256-<hex>` files the layers name.
 * A manifest that does not parse is reported in `problems` and skipped, never fatal to the rest.
 */
export interface StoreRead {
  models: ModelEntry[];
  problems: { path: string; reason: string }[];
}

const EMPTY_CONFIG: OllamaConfig = { format: '', family: '', parameters: '', quantization: '' };

export async function readOllamaStore(root: string, dir: string): Promise<StoreRead> {
  const manifests = join(dir, 'manifests');
  const models: ModelEntry[] = [];
  const problems: StoreRead['problems'] = [];
  for (const host of await listFolder(root, manifests)) {
    for (const namespace of await listFolder(root, join(manifests, host))) {
      for (const model of await listFolder(root, join(manifests, host, namespace))) {
        for (const tag of await listFolder(root, join(manifests, host, namespace, model))) {
          const path = join(manifests, host, namespace, model, tag);
          try {
            const entry = await readOne(root, dir, path, ollamaModelName(host, namespace, model, tag));
            if (entry !== null) models.push(entry);
          } catch (error) {
            problems.push({ path, reason: (error as Error).message });
          }
        }
      }
    }
  }
  return { models, problems };
}

async function readOne(root: string, dir: string, path: string, name: string): Promise<ModelEntry | null> {
  const bytes = await readSmallFile(root, path);
  if (bytes === null) return null;
  const manifest = parseOllamaManifest(bytes);
  const blob = (digest: string) => join(dir, 'blobs', `sha256-${sha256Hex(digest) ?? digest}`);
  let config = EMPTY_CONFIG;
  if (manifest.config !== null) {
    const text = await readSmallFile(root, blob(manifest.config.digest));
    if (text !== null) config = parseOllamaConfig(text.toString('utf8'));
  }
  const files: WeightsFile[] = manifest.layers
    .filter((layer) => WEIGHT_LAYER_KINDS.has(layerKind(layer)))
    .map((layer) => ({
      path: blob(layer.digest),
      expected: sha256Hex(layer.digest),
      role: layerKind(layer),
    }));
  const model = manifest.layers.find((layer) => layerKind(layer) === 'model');
  const digestsOf = (kind: string) =>
    manifest.layers
      .filter((layer) => layerKind(layer) === kind)
      .map((layer) => sha256Hex(layer.digest) ?? '');
  return {
    source: 'ollama',
    key: `ollama:${name}`,
    name,
    path: model === undefined ? path : blob(model.digest),
    digest: model === undefined ? null : sha256Hex(model.digest),
    manifestDigest: manifest.manifestDigest,
    format: config.format,
    family: config.family,
    quantization: config.quantization,
    parameters: config.parameters,
    size: manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
    adapters: digestsOf('adapter'),
    projectors: digestsOf('projector'),
    files,
  };
}
