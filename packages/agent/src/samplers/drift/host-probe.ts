import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the drift checks need beyond FsRoot (readText/listDir/realPath): an entry's age for the
 * workspace check and a link's target for /proc/<pid>/fd socket owners. Injected like FsRoot and
 * under the same root; belongs in host/fs-root.ts (FsRoot.stat/readLink) once the lead moves it.
 */
export interface HostProbe {
  /** Modification time of a host path (the link itself, not its target); null when absent. */
  stat(path: string): Promise<{ mtimeMs: number } | null>;
  /** A symlink's target text (`socket:[1234]` for a socket fd); null when absent or not a link. */
  readLink(path: string): Promise<string | null>;
}

export function createHostProbe(root: string): HostProbe {
  const absent = (error: unknown) =>
    ['ENOENT', 'ENOTDIR', 'EINVAL', 'ESRCH'].includes((error as NodeJS.ErrnoException).code ?? '');
  return {
    async stat(path) {
      try {
        return { mtimeMs: (await lstat(join(root, path))).mtimeMs };
      } catch (error) {
        if (absent(error)) return null;
        throw error;
      }
    },
    async readLink(path) {
      try {
        return await readlink(join(root, path));
      } catch (error) {
        if (absent(error)) return null;
        throw error;
      }
    },
  };
}
