import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A temp Ollama-layout model store for the benches (bench/models.ts, bench/agent-overhead.ts --ai):
 * `models` models, each a manifest (WriteManifest's field order), a config blob and one synthetic
 * weights blob of `blobMiB` MiB, every blob named by its real SHA-256 so every one verifies.
 * Returns the weights blobs' paths.
 */
const MiB = 1024 * 1024;

export function writeOllamaStore(store: string, options: { models: number; blobMiB: number }): string[] {
  mkdirSync(join(store, 'blobs'), { recursive: true });
  const base = randomBytes(MiB);
  const blobs: string[] = [];
  for (let model = 0; model < options.models; model++) {
    const config = Buffer.from(
      JSON.stringify({ model_format: 'gguf', model_family: 'llama', model_type: '8B', file_type: 'Q4_K_M' }),
    );
    const configSha = writeBlob(store, config);
    const weights = writeWeightsBlob(store, model, base, options.blobMiB);
    blobs.push(weights.path);
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        digest: `sha256:${configSha}`,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.ollama.image.model',
          digest: `sha256:${weights.sha}`,
          size: options.blobMiB * MiB,
        },
      ],
    };
    const dir = join(store, 'manifests', 'registry.ollama.ai', 'library', `bench-model-${model}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest'), JSON.stringify(manifest), { mode: 0o600 });
  }
  return blobs;
}

/** Writes `bytes` as blobs/sha256-<its sha256>; returns the digest. */
function writeBlob(store: string, bytes: Buffer): string {
  const sha = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(store, 'blobs', `sha256-${sha}`), bytes, { mode: 0o600 });
  return sha;
}

/** A weights blob of `blobMiB` MiB: one random MiB repeated, each copy stamped with (model, MiB). */
function writeWeightsBlob(
  store: string,
  model: number,
  base: Buffer,
  blobMiB: number,
): { sha: string; path: string } {
  const partial = join(store, 'blobs', `partial-${model}`);
  const fd = openSync(partial, 'w', 0o600);
  const hash = createHash('sha256');
  const chunk = Buffer.from(base);
  try {
    for (let mib = 0; mib < blobMiB; mib++) {
      chunk.writeUInt32LE(model, 0);
      chunk.writeUInt32LE(mib, 4);
      hash.update(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  const sha = hash.digest('hex');
  const path = join(store, 'blobs', `sha256-${sha}`);
  renameSync(partial, path);
  return { sha, path };
}
