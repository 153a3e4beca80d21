import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelEntry } from './model-entry.ts';
import type { StoreRead } from './ollama-store.ts';
import { listFolder, underRoot } from './store-io.ts';

/**
 * GGUF files in the configured folders (llama-server's `-m`, LM Studio, hand-placed weights),
 * searched a few levels deep. Metadata comes from the header alone through @huggingface/gguf, which
 * reads local files in ranged chunks, so a 40 GB file costs a few hundred KB; it is read again only
 * when the file's size or mtime changed. Nothing names a GGUF file's SHA-256: the digest is the
 * verifier's, so the sampler fills it in.
 */
const MAX_DEPTH = 4;

export interface GgufHeader {
  architecture: string;
  name: string;
  quantization: string;
  parameters: string;
}

/** The inventory's fields from a parsed header (ggml docs/gguf.md `general.*` keys); `quantNames` maps general.file_type. */
export function headerFields(
  metadata: Record<string, unknown>,
  quantNames: Record<number, string>,
): GgufHeader {
  const text = (key: string) => (typeof metadata[key] === 'string' ? (metadata[key] as string) : '');
  const fileType = metadata['general.file_type'];
  const quantization = typeof fileType === 'number' ? (quantNames[fileType] ?? String(fileType)) : '';
  return {
    architecture: text('general.architecture'),
    name: text('general.name'),
    quantization,
    parameters: text('general.size_label'),
  };
}

/**
 * Loaded on first use: the parser and its quant tables are a sizeable part of the bundle, and most
 * nodes have no GGUF folder configured, so the agent's resident memory does not carry them.
 */
export async function readGgufHeader(hostPath: string): Promise<GgufHeader> {
  const { gguf, GGMLFileQuantizationType } = await import('@huggingface/gguf');
  const { metadata } = await gguf(hostPath, { allowLocalFile: true });
  return headerFields(
    metadata as Record<string, unknown>,
    GGMLFileQuantizationType as unknown as Record<number, string>,
  );
}

async function findGguf(root: string, dir: string, depth: number): Promise<string[]> {
  const found: string[] = [];
  for (const name of await listFolder(root, dir)) {
    const path = join(dir, name);
    if (name.endsWith('.gguf')) found.push(path);
    else if (depth < MAX_DEPTH && !name.startsWith('.')) {
      const isDir = await stat(underRoot(root, path)).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (isDir) found.push(...(await findGguf(root, path, depth + 1)));
    }
  }
  return found;
}

export interface GgufHeaderCache {
  get(path: string, size: number, mtimeMs: number): GgufHeader | undefined;
  set(path: string, size: number, mtimeMs: number, header: GgufHeader): void;
}

export function createGgufHeaderCache(): GgufHeaderCache {
  const entries = new Map<string, { size: number; mtimeMs: number; header: GgufHeader }>();
  return {
    get(path, size, mtimeMs) {
      const entry = entries.get(path);
      return entry && entry.size === size && entry.mtimeMs === mtimeMs ? entry.header : undefined;
    },
    set(path, size, mtimeMs, header) {
      entries.set(path, { size, mtimeMs, header });
    },
  };
}

export async function readGgufFolder(root: string, dir: string, cache: GgufHeaderCache): Promise<StoreRead> {
  const models: ModelEntry[] = [];
  const problems: StoreRead['problems'] = [];
  for (const path of await findGguf(root, dir, 0)) {
    try {
      const s = await stat(underRoot(root, path));
      let header = cache.get(path, s.size, s.mtimeMs);
      if (header === undefined) {
        header = await readGgufHeader(underRoot(root, path));
        cache.set(path, s.size, s.mtimeMs, header);
      }
      models.push({
        source: 'gguf',
        key: `gguf:${path}`,
        name: basename(path),
        path,
        digest: null,
        manifestDigest: '',
        format: 'gguf',
        family: header.architecture,
        quantization: header.quantization,
        parameters: header.parameters,
        size: s.size,
        adapters: [],
        projectors: [],
        files: [{ path, expected: null, role: 'weights' }],
      });
    } catch (error) {
      problems.push({ path, reason: (error as Error).message });
    }
  }
  return { models, problems };
}
