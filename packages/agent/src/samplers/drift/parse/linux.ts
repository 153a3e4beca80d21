import { CheckNotApplicable, CheckParseError, type RawRead } from '../check.ts';
import { formatList } from '../expectation.ts';

/** Parsers for the Linux files the drift checks read. Pure; formats per proc(5), apt.conf(5), dnf-automatic(8). */

type ProcNet = Extract<RawRead, { kind: 'proc-net' }>;

/** uid → user name from /etc/passwd. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid && /^\d+$/.test(uid) && !users.has(Number(uid))) users.set(Number(uid), name);
  }
  return users;
}

/**
 * Listening sockets from /proc/net/{tcp,tcp6,udp,udp6} (proc(5)): TCP in state 0A (LISTEN), UDP
 * in state 07 bound with no peer. Items are "<proto> <port> <user> <process>", v4 and v6 merged;
 * the process is `?` where /proc/<pid>/fd was not readable (other users' processes, unless root).
 */
export function parseProcNetListeners(read: ProcNet): string {
  const users = parsePasswd(read.passwd ?? '');
  const items: string[] = [];
  let tables = 0;
  for (const [table, text] of Object.entries(read.tables)) {
    if (text === null) continue;
    tables++;
    const proto = table.startsWith('tcp') ? 'tcp' : 'udp';
    const lines = text.split('\n');
    if (!/local_address/.test(lines[0] ?? ''))
      throw new CheckParseError(`/proc/net/${table}: no header line`);
    for (const line of lines.slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const [, local = '', remote = '', state = ''] = fields;
      const listening = proto === 'tcp' ? state === '0A' : state === '07' && remote.endsWith(':0000');
      if (!listening) continue;
      const port = Number.parseInt(local.split(':')[1] ?? '', 16);
      const uid = Number(fields[7]);
      const user = users.get(uid) ?? String(uid);
      const process = read.socketOwners[fields[9] ?? ''] ?? '?';
      if (Number.isFinite(port)) items.push(`${proto} ${port} ${user} ${process}`);
    }
  }
  if (tables === 0) throw new CheckNotApplicable('not on this host: /proc/net/tcp');
  return formatList(items);
}

function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/**
 * Whether `read.mount` sits on dm-crypt: its device is a dm device whose dm/uuid starts with
 * `CRYPT-`, directly or below (LVM on LUKS: dm/slaves lead to the crypt device). The last
 * /proc/mounts line for the mount point wins (later mounts hide earlier ones).
 */
export function parseDmCrypt(read: Extract<RawRead, { kind: 'block-devices' }>): string {
  const mountPoint = read.mount;
  if (read.mounts === null) throw new CheckNotApplicable('not on this host: /proc/mounts');
  const device = read.mounts
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields.length >= 3 && decodeMountField(fields[1] ?? '') === mountPoint)
    .map((fields) => decodeMountField(fields[0] ?? ''))
    .at(-1);
  if (device === undefined) return 'not-mounted';
  const byDevice = new Map(read.dm.map((dm) => [dm.device, dm]));
  const mapperName = /^\/dev\/mapper\/(.+)$/.exec(device)?.[1];
  const start = mapperName
    ? read.dm.find((dm) => dm.name === mapperName)
    : byDevice.get(device.replace(/^\/dev\//, ''));
  const encrypted = (name: string | undefined, depth: number): boolean => {
    const dm = name === undefined ? undefined : byDevice.get(name);
    if (!dm || depth > 8) return false;
    return dm.uuid.startsWith('CRYPT-') || dm.slaves.some((slave) => encrypted(slave, depth + 1));
  };
  return encrypted(start?.device, 0) ? 'on' : 'off';
}

/** apt.conf.d files in lexical order, later assignments winning: APT::Periodic values by name. */
export function parseAptPeriodic(
  files: readonly { path: string; text: string | null }[],
): Map<string, string> {
  const values = new Map<string, string>();
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    for (const match of (file.text ?? '').matchAll(/^\s*APT::Periodic::([\w-]+)\s+"([^"]*)"\s*;/gim)) {
      values.set((match[1] ?? '').toLowerCase(), match[2] ?? '');
    }
  }
  return values;
}

/** `apply_updates = yes` in dnf-automatic's [commands] section. */
export function parseDnfAutomaticApplies(text: string): boolean {
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\s*\[([^\]]+)\]/.exec(line);
    if (header) section = header[1] ?? '';
    const setting = /^\s*apply_updates\s*=\s*(\S+)/.exec(line);
    if (section === 'commands' && setting)
      return ['yes', 'true', '1'].includes(setting[1]?.toLowerCase() ?? '');
  }
  return false;
}

/** /etc/ufw/ufw.conf: `ENABLED=yes` (ufw(8) writes it on `ufw enable`). */
export function parseUfwEnabled(text: string): boolean {
  return /^\s*ENABLED\s*=\s*"?yes"?\s*$/im.test(text);
}

/** `chronyc tracking`: "Leap status     : Normal" when synchronised; null when the output has no leap line. */
export function parseChronyTracking(text: string): boolean | null {
  const status = /^Leap status\s*:\s*(.+)$/m.exec(text)?.[1]?.trim();
  if (status === undefined) return null;
  return status !== 'Not synchronised';
}

/** Items of aged directory entries: "<dir>/<name>" for every entry older than the dir's maxAge. */
export function parseAgedEntries(read: Extract<RawRead, { kind: 'aged-entries' }>): string {
  const items = read.dirs.flatMap((dir) =>
    (dir.entries ?? [])
      .filter((entry) => dir.maxAgeMs === null || entry.ageMs > dir.maxAgeMs)
      .map((entry) => `${dir.path.replace(/\/$/, '')}/${entry.name}`),
  );
  return formatList(items);
}

/** Socket inodes of listening sockets in one /proc/net table (so the fd scan can stop early). */
export function listeningInodes(text: string, proto: 'tcp' | 'udp'): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(
      (f) => f.length >= 10 && (proto === 'tcp' ? f[3] === '0A' : f[3] === '07' && f[2]?.endsWith(':0000')),
    )
    .map((f) => f[9] ?? '')
    .filter((inode) => inode !== '' && inode !== '0');
}
