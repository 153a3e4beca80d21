import { readdir, readFile, realpath } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * Reads under a movable root, as node_exporter's --path.sysfs/--path.procfs do: the real host uses
 * `/`, tests point it at an unpacked fixture tree. Paths are always given as absolute host paths
 * (`/sys/class/hwmon`). Absent files are `null`, not errors: hardware differs between hosts.
 */
export interface FsRoot {
  readonly root: string;
  readText(path: string): Promise<string | null>;
  listDir(path: string): Promise<string[] | null>;
  /** Where a path (often a sysfs symlink) really leads, as a host path under the same root; null if it does not resolve. */
  realPath(path: string): Promise<string | null>;
}

export function createFsRoot(root: string): FsRoot {
  const resolve = (path: string) => join(root, path);
  return {
    root,
    async readText(path) {
      try {
        return await readFile(resolve(path), 'utf8');
      } catch (error) {
        if (isAbsent(error)) {
          return null;
        }
        throw error;
      }
    },
    async listDir(path) {
      try {
        return (await readdir(resolve(path))).sort();
      } catch (error) {
        if (isAbsent(error)) {
          return null;
        }
        throw error;
      }
    },
    async realPath(path) {
      try {
        // Both sides go through realpath because the root itself may sit behind a link (macOS /var).
        const [realRoot, realTarget] = await Promise.all([realpath(root), realpath(resolve(path))]);
        const inside = relative(realRoot, realTarget);
        return inside.startsWith('..') ? null : `/${inside}`;
      } catch {
        return null;
      }
    },
  };
}

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  // sysfs attributes that exist but cannot be read on this hardware answer EIO/ENODATA/EINVAL.
  // EACCES is not "absent": a permission problem must surface, not look like missing hardware.
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EIO' || code === 'ENODATA' || code === 'EINVAL';
}
