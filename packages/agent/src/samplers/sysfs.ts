import type { FsRoot } from '../host/fs-root.ts';
import type { Logger } from './types.ts';

/**
 * sysfs reads for the Linux hardware samplers. One broken sensor must cost one reading, not the
 * whole sample: hwmon drivers answer reads with ENXIO, EAGAIN or ETIMEDOUT when a chip does not
 * respond, and FsRoot only turns the common "absent" errnos into `null`. So every failure here
 * becomes `null` (logged at debug, as node_exporter does), and the caller skips that sensor.
 */
export async function readSysfsAttribute(fs: FsRoot, path: string, log: Logger): Promise<string | null> {
  try {
    return await fs.readText(path);
  } catch (error) {
    log.debug({ path, code: (error as NodeJS.ErrnoException).code }, 'sysfs attribute unreadable');
    return null;
  }
}

export async function listSysfsDir(fs: FsRoot, path: string, log: Logger): Promise<string[] | null> {
  try {
    return await fs.listDir(path);
  } catch (error) {
    log.debug({ path, code: (error as NodeJS.ErrnoException).code }, 'sysfs directory unreadable');
    return null;
  }
}

/** Where a sysfs symlink really points: stable hwmon ids come from the device path (hwmonN changes with module load order). */
export function resolveSysfsPath(fs: FsRoot, path: string): Promise<string | null> {
  return fs.realPath(path);
}
