import { createHash } from 'node:crypto';

/**
 * Ollama's manifest (ollama/ollama manifest/manifest.go, manifest/layer.go): a Docker v2 manifest
 * whose layers are the model's parts by media type. `/api/tags` shows the SHA-256 of the manifest
 * file's bytes (ParseNamedManifest hashes what it decodes); the weights' SHA-256 is the digest of
 * the `application/vnd.ollama.image.model` layer, which is also its blob's file name.
 */
export interface OllamaLayer {
  mediaType: string;
  digest: string;
  size: number;
}

export interface OllamaManifest {
  manifestDigest: string;
  config: OllamaLayer | null;
  layers: OllamaLayer[];
}

export const OLLAMA_MEDIA_TYPE_PREFIX = 'application/vnd.ollama.image.';

function layerOf(value: unknown, field: string): OllamaLayer {
  const layer = value as Partial<OllamaLayer> | null;
  if (
    layer === null ||
    typeof layer !== 'object' ||
    typeof layer.mediaType !== 'string' ||
    typeof layer.digest !== 'string' ||
    typeof layer.size !== 'number'
  ) {
    throw new Error(`${field}: expected {mediaType, digest, size}`);
  }
  return { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
}

/** Parses a manifest file's bytes; throws an Error naming the field that is wrong. */
export function parseOllamaManifest(bytes: Buffer): OllamaManifest {
  let value: { config?: unknown; layers?: unknown };
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value.layers)) throw new Error('layers: expected an array');
  return {
    manifestDigest: createHash('sha256').update(bytes).digest('hex'),
    config: value.config === undefined ? null : layerOf(value.config, 'config'),
    layers: value.layers.map((layer, index) => layerOf(layer, `layers[${index}]`)),
  };
}

/** The layer kind after the media-type prefix (`model`, `adapter`, `projector`, `template`…). */
export function layerKind(layer: OllamaLayer): string {
  return layer.mediaType.startsWith(OLLAMA_MEDIA_TYPE_PREFIX)
    ? layer.mediaType.slice(OLLAMA_MEDIA_TYPE_PREFIX.length)
    : layer.mediaType;
}

/** Layers whose content is weights (checked at rest): the model, its adapters, projectors and drafts. */
export const WEIGHT_LAYER_KINDS: ReadonlySet<string> = new Set([
  'model',
  'adapter',
  'projector',
  'draft',
  'tensor',
]);

/**
 * `manifests/<host>/<namespace>/<model>/<tag>` → the name `ollama list` shows: `model:tag` for the
 * default registry and namespace, otherwise with the namespace (and a non-default host) in front.
 */
export function ollamaModelName(host: string, namespace: string, model: string, tag: string): string {
  if (host === 'registry.ollama.ai' && namespace === 'library') return `${model}:${tag}`;
  if (host === 'registry.ollama.ai') return `${namespace}/${model}:${tag}`;
  return `${host}/${namespace}/${model}:${tag}`;
}

/** The config blob's fields the inventory shows (types/model/config.go ConfigV2). */
export interface OllamaConfig {
  format: string;
  family: string;
  parameters: string;
  quantization: string;
}

export function parseOllamaConfig(text: string): OllamaConfig {
  const value = JSON.parse(text) as Record<string, unknown>;
  const field = (name: string) => (typeof value[name] === 'string' ? (value[name] as string) : '');
  return {
    format: field('model_format'),
    family: field('model_family'),
    parameters: field('model_type'),
    quantization: field('file_type'),
  };
}
