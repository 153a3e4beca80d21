import type { FsRoot } from '../host/fs-root.ts';
import type { RunCommand } from '../host/run-command.ts';

/**
 * Who this host is, read once at start: a stable machine id, the hardware model and the OS
 * version. The platform files only choose what to read or run; the parsers below are pure and
 * tested on real outputs. Anything unknown is left out rather than guessed: a wrong `host.id`
 * would merge two machines' timelines at the collector.
 */
export interface HostIdentity {
  hostId?: string;
  model?: string;
  osVersion?: string;
}

export interface HostIdentityDeps {
  platform: NodeJS.Platform;
  fs: FsRoot;
  runCommand: RunCommand;
}

/** `/etc/machine-id`: 32 lowercase hex digits and a newline. */
export function parseMachineId(text: string | null): string | undefined {
  const id = text?.trim().toLowerCase();
  return id && /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}

/** `ioreg -rd1 -c IOPlatformExpertDevice`: the line `"IOPlatformUUID" = "…"`. */
export function parseIoregPlatformUuid(text: string): string | undefined {
  return /"IOPlatformUUID"\s*=\s*"([0-9A-Fa-f-]{36})"/.exec(text)?.[1];
}

/** `sysctl -n hw.model` prints the bare value; `sysctl hw.model` prints `hw.model: value`. */
export function parseSysctlValue(text: string, key: string): string | undefined {
  for (const line of text.split('\n')) {
    const match = /^([\w.]+):\s*(.*)$/.exec(line.trim());
    if (match?.[1] === key) {
      return match[2]?.trim() || undefined;
    }
  }
  const bare = text.trim();
  return bare !== '' && !bare.includes('\n') && !bare.includes(': ') ? bare : undefined;
}

/** `sw_vers`: `ProductVersion:<tabs>15.1`. */
export function parseSwVersProductVersion(text: string): string | undefined {
  return /^ProductVersion:\s*(\S+)\s*$/m.exec(text)?.[1];
}

export async function readHostIdentity(deps: HostIdentityDeps): Promise<HostIdentity> {
  if (deps.platform === 'darwin') {
    return readDarwin(deps);
  }
  if (deps.platform === 'linux') {
    return readLinux(deps);
  }
  return {};
}

async function readDarwin({ runCommand }: HostIdentityDeps): Promise<HostIdentity> {
  const [ioreg, model, swVers] = await Promise.all([
    runCommand(['ioreg', '-rd1', '-c', 'IOPlatformExpertDevice'], { timeoutMs: 5000 }),
    runCommand(['sysctl', '-n', 'hw.model'], { timeoutMs: 5000 }),
    runCommand(['sw_vers'], { timeoutMs: 5000 }),
  ]);
  return compact({
    hostId: ioreg.status === 'ok' ? parseIoregPlatformUuid(ioreg.stdout) : undefined,
    model: model.status === 'ok' ? parseSysctlValue(model.stdout, 'hw.model') : undefined,
    osVersion: swVers.status === 'ok' ? parseSwVersProductVersion(swVers.stdout) : undefined,
  });
}

async function readLinux({ fs }: HostIdentityDeps): Promise<HostIdentity> {
  const hostId =
    parseMachineId(await fs.readText('/etc/machine-id')) ??
    parseMachineId(await fs.readText('/var/lib/dbus/machine-id'));
  const product = (await fs.readText('/sys/devices/virtual/dmi/id/product_name'))?.trim();
  return compact({ hostId, model: product || undefined });
}

function compact(identity: HostIdentity): HostIdentity {
  return Object.fromEntries(Object.entries(identity).filter(([, v]) => v !== undefined)) as HostIdentity;
}
