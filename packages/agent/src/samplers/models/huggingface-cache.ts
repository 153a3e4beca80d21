import { readlink } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import type { ModelEntry, WeightsFile } from './model-entry.ts';
import type { StoreRead } from './ollama-store.ts';
import { listFolder, readSmallFile, StoreUnreadableError, underRoot } from './store-io.ts';

/**
 * Models in a Hugging Face hub cache (huggingface_hub docs "manage-cache"): `models--<org>--<name>/`
 * with `refs/main` (the revision), `snapshots/<rev>/…` (symlinks) and `blobs/<hash>`. LFS files'
 * blobs are named by their SHA-256 (64 hex); ordinary git files by a 40-hex SHA-1, which is not a
 * content SHA-256 and is never checked as one. The model shown is the snapshot `refs/main` names,
 * else the only (or last) snapshot.
 */
const WEIGHT_EXTENSIONS = /\.(safetensors|gguf|bin|pt|pth|ckpt|onnx|npz|h5|msgpack)$/;
const SHA256_NAME = /^[0-9a-f]{64}$/;

function formatOf(paths: readonly string[]): string {
  if (paths.some((path) => path.endsWith('.safetensors'))) return 'safetensors';
  if (paths.some((path) => path.endsWith('.gguf'))) return 'gguf';
  const first = paths[0];
  return first === undefined ? '' : (WEIGHT_EXTENSIONS.exec(first)?.[1] ?? '');
}

/** Every file under a snapshot folder, as paths relative to it. */
async function snapshotFiles(root: string, dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of await listFolder(root, join(dir, prefix))) {
    const relativePath = prefix === '' ? name : `${prefix}/${name}`;
    const children = await listFolder(root, join(dir, relativePath)).catch(() => []);
    if (children.length > 0) out.push(...(await snapshotFiles(root, dir, relativePath)));
    else out.push(relativePath);
  }
  return out;
}

/** The blob a snapshot entry links to (its file name is the content hash), or the entry itself when copied. */
async function blobOf(root: string, path: string): Promise<string> {
  try {
    const target = await readlink(underRoot(root, path));
    return join(path, '..', target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT') return path; // a real file (HF_HUB_DISABLE_SYMLINKS) or gone
    throw new StoreUnreadableError(path, error);
  }
}

export async function readHuggingfaceCache(root: string, cache: string): Promise<StoreRead> {
  const models: ModelEntry[] = [];
  const problems: StoreRead['problems'] = [];
  for (const folder of await listFolder(root, cache)) {
    if (!folder.startsWith('models--')) continue;
    const repo = join(cache, folder);
    try {
      const entry = await readRepo(root, repo, folder.slice('models--'.length).split('--').join('/'));
      if (entry !== null) models.push(entry);
    } catch (error) {
      if (error instanceof StoreUnreadableError) throw error;
      problems.push({ path: repo, reason: (error as Error).message });
    }
  }
  return { models, problems };
}

async function readRepo(root: string, repo: string, name: string): Promise<ModelEntry | null> {
  const snapshots = await listFolder(root, join(repo, 'snapshots'));
  const main = (await readSmallFile(root, join(repo, 'refs', 'main')))?.toString('utf8').trim();
  const revision = main !== undefined && snapshots.includes(main) ? main : snapshots.at(-1);
  if (revision === undefined) return null;
  const snapshot = join(repo, 'snapshots', revision);
  const weights = (await snapshotFiles(root, snapshot)).filter((path) => WEIGHT_EXTENSIONS.test(path));
  if (weights.length === 0) return null;
  const files: WeightsFile[] = [];
  for (const relativePath of weights) {
    const blob = await blobOf(root, join(snapshot, relativePath));
    const hash = basename(blob);
    files.push({
      path: blob,
      expected: SHA256_NAME.test(hash) ? hash : null,
      role: relative(snapshot, join(snapshot, relativePath)),
    });
  }
  return {
    source: 'huggingface',
    key: `huggingface:${name}`,
    name,
    path: snapshot,
    digest: null, // combined from the files once their digests are known (sampler)
    manifestDigest: revision,
    format: formatOf(weights),
    family: '',
    quantization: '',
    parameters: '',
    size: 0, // summed from the files' stat (sampler)
    adapters: [],
    projectors: [],
    files,
  };
}
