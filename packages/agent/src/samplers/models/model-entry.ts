import { createHash } from 'node:crypto';

/**
 * One model on disk as every store reader (Ollama, Hugging Face cache, GGUF folders) reports it, so
 * the inventory, the weights verifier and the readings never switch on where a model came from.
 */
export type ModelSource = 'ollama' | 'huggingface' | 'gguf';

/** A file whose content is checked at rest. */
export interface WeightsFile {
  /** Host path (under the agent's fs root). */
  path: string;
  /** The SHA-256 the file must have (its content-addressed name), or null when nothing names it (a GGUF file). */
  expected: string | null;
  /** Ollama: the layer kind (`model`, `adapter`, `projector`…); HF: the path inside the snapshot; GGUF: `weights`. */
  role: string;
}

export interface ModelEntry {
  source: ModelSource;
  /** Stable identity across rounds: `ollama:name:tag`, `huggingface:org/name`, `gguf:/path/file.gguf`. */
  key: string;
  name: string;
  /** Where the weights live (the model blob, the snapshot folder, the .gguf file). */
  path: string;
  /** The weights' SHA-256 when a name claims it (Ollama model layer, a single HF LFS file); null until hashed otherwise. */
  digest: string | null;
  /** Ollama: SHA-256 of the manifest bytes (what /api/tags shows); HF: the snapshot revision; GGUF: ''. */
  manifestDigest: string;
  format: string;
  family: string;
  quantization: string;
  parameters: string;
  size: number;
  adapters: string[];
  projectors: string[];
  files: WeightsFile[];
}

/** Ollama's `sha256:<hex>` / `sha256-<hex>` → bare lower-case hex, or null. */
export function sha256Hex(digest: string): string | null {
  const match = /^sha256[:-]([0-9a-fA-F]{64})$/.exec(digest);
  return match?.[1] === undefined ? null : match[1].toLowerCase();
}

/**
 * One digest for a model made of several weights files (sharded safetensors): the SHA-256 of
 * `sha256sum`-style lines (`<hex>  <relative path>`) in path order, so it changes when any shard
 * does. A single file's digest is that file's own SHA-256, as Ollama and the Hub show it.
 */
export function combinedDigest(files: readonly { relativePath: string; sha256: string }[]): string {
  if (files.length === 1 && files[0] !== undefined) return files[0].sha256;
  const lines = [...files]
    .sort((a, b) => (a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0))
    .map((file) => `${file.sha256}  ${file.relativePath}\n`)
    .join('');
  return createHash('sha256').update(lines).digest('hex');
}
