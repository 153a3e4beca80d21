import { readFile, statfs } from 'node:fs/promises';
import { uptime } from 'node:os';
import type { SystemSource } from './index.ts';
import type { FsInput, LoadInput, MemInput, TimeInput } from './parse.ts';

/**
 * The system sampler's four reads on Linux straight from the kernel: /proc/stat, /proc/meminfo,
 * /proc/self/mounts with statfs(2), and /proc/uptime. systeminformation reads the same files but
 * spawns `df` for every filesystem read (about 7 ms of child CPU per round) and loads a 16 MB
 * module; this is the agent's per-round cost against node_exporter's, so Linux uses these few
 * lines and systeminformation stays for macOS, where it wraps sysctl and vm_stat. Values keep
 * systeminformation's meaning (index.test.ts compares the two on the test machine).
 */

export interface ProcSystemSourceOptions {
  /** Where /proc is (tests point it at a copy). */
  procRoot?: string;
  /** Per-filesystem statfs deadline: a dead NFS mount must not hold the round. */
  statfsTimeoutMs?: number;
}

/** Filesystems on another machine: `df -l` (what systeminformation runs) leaves them out too. */
const REMOTE_TYPES =
  /^(nfs\d?|cifs|smb\d?|smbfs|ncpfs|afs|ceph|glusterfs|lustre|9p|fuse\.(sshfs|s3fs|rclone|gcsfuse))$/;
/** Never disk space, and statfs on some of them is slow (cgroup trees, proc, sys). */
const SKIP_TYPES = new Set([
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'devpts',
  'mqueue',
  'securityfs',
  'pstore',
  'bpf',
  'tracefs',
  'debugfs',
  'configfs',
  'fusectl',
  'hugetlbfs',
  'binfmt_misc',
  'autofs',
  'nsfs',
  'efivarfs',
  'rpc_pipefs',
  'selinuxfs',
]);

interface CpuTimes {
  busy: number;
  total: number;
}

export function parseProcStatCpu(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw new Error('/proc/stat has no "cpu" line');
  // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user/nice]
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) {
    throw new Error(`/proc/stat "cpu" line unreadable: ${line.slice(0, 80)}`);
  }
  const total = fields.reduce((sum, n) => sum + n, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

export function parseMeminfo(text: string): MemInput {
  const kib = (key: string) => {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
    if (match === null) throw new Error(`/proc/meminfo has no ${key}`);
    return Number(match[1]) * 1024;
  };
  return { total: kib('MemTotal'), available: kib('MemAvailable') };
}

/** /proc/self/mounts fields are space-separated with octal escapes (\040 for a space). */
const unescapeMount = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

export function parseMounts(text: string): Array<{ fs: string; mount: string; type: string }> {
  const mounts: Array<{ fs: string; mount: string; type: string }> = [];
  for (const line of text.split('\n')) {
    const [fs, mount, type] = line.split(' ');
    if (fs === undefined || mount === undefined || type === undefined || fs === '') continue;
    mounts.push({ fs: unescapeMount(fs), mount: unescapeMount(mount), type });
  }
  return mounts;
}

export function createProcSystemSource(options: ProcSystemSourceOptions = {}): SystemSource {
  const proc = options.procRoot ?? '/proc';
  const timeoutMs = options.statfsTimeoutMs ?? 2_000;
  let previous: CpuTimes | undefined;

  const sizeOf = async (entry: { fs: string; mount: string; type: string }): Promise<FsInput | null> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    try {
      const stats = await Promise.race([statfs(entry.mount), deadline]);
      if (stats === null) return null;
      const size = stats.blocks * stats.bsize;
      return {
        ...entry,
        size,
        used: (stats.blocks - stats.bfree) * stats.bsize,
        available: stats.bavail * stats.bsize,
      };
    } catch {
      return null; // unmounted between the read and the statfs, or not ours to stat
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async currentLoad(): Promise<LoadInput> {
      const now = parseProcStatCpu(await readFile(`${proc}/stat`, 'utf8'));
      const before = previous ?? { busy: 0, total: 0 };
      previous = now;
      const total = now.total - before.total;
      // Like systeminformation: busy share since the previous call, since boot on the first.
      return { currentLoad: total > 0 ? (100 * (now.busy - before.busy)) / total : 0 };
    },
    async mem(): Promise<MemInput> {
      return parseMeminfo(await readFile(`${proc}/meminfo`, 'utf8'));
    },
    async fsSize(): Promise<FsInput[]> {
      const mounts = parseMounts(await readFile(`${proc}/self/mounts`, 'utf8')).filter(
        (m) => !SKIP_TYPES.has(m.type) && !REMOTE_TYPES.test(m.type),
      );
      const sized = await Promise.all(mounts.map(sizeOf));
      return sized.filter((entry): entry is FsInput => entry !== null && entry.size > 0);
    },
    time(): TimeInput {
      // os.uptime() is libuv's read of /proc/uptime, synchronous as SystemSource wants.
      return { uptime: uptime() };
    },
  };
}
