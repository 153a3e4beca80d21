import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The file-system calls the store readers make, relative to the agent's fs root (tests point it at
 * a temp tree). A folder that does not exist is an empty store; one the agent may not read is a
 * StoreUnreadableError, which the sampler turns into a log line and a `probe` row, never a crash.
 */
export class StoreUnreadableError extends Error {
  readonly path: string;
  constructor(path: string, cause: unknown) {
    super(`${path}: ${(cause as Error).message}`);
    this.name = 'StoreUnreadableError';
    this.path = path;
  }
}

export function underRoot(root: string, path: string): string {
  return root === '/' ? path : join(root, path);
}

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Entry names of a folder (sorted), [] when it does not exist; StoreUnreadableError when it may not be read. */
export async function listFolder(root: string, path: string): Promise<string[]> {
  try {
    return (await readdir(underRoot(root, path))).sort();
  } catch (error) {
    if (isAbsent(error)) return [];
    throw new StoreUnreadableError(path, error);
  }
}

/** A small file's bytes (manifests, config blobs, refs), or null when absent. */
export async function readSmallFile(root: string, path: string): Promise<Buffer | null> {
  try {
    return await readFile(underRoot(root, path));
  } catch (error) {
    if (isAbsent(error)) return null;
    throw new StoreUnreadableError(path, error);
  }
}
