import type { PrivilegedJob } from '../../privileged/macos-privileged-jobs.ts';

/**
 * The drift model: a check is DATA (an object literal in a `checks/*.ts` catalogue) naming what it
 * reads, whether that read needs root, which SOC 2 / ISO 27001:2022 controls it evidences, a pure
 * parser from the raw read to a short canonical observed value, and a default expectation that an
 * operator's baseline may override. Everything that runs or reads lives in `read-source.ts`; the
 * comparison lives in `expectation.ts`. A check never reports `pass` from a read it could not make.
 */

/** Operator-chosen inputs that some checks need (allow-lists, minimum version…); from the baseline. */
export interface DriftParams {
  allowedApps?: string[] | undefined;
  listeners?: ListenerRule[] | undefined;
  workspaceDirs?: WorkspaceDir[] | undefined;
  minOsVersion?: string | undefined;
  allowedSshUsers?: string[] | undefined;
  /** Linux: the mount point that must sit on dm-crypt (default `/`). */
  dataMount?: string | undefined;
}

export interface ListenerRule {
  port: number;
  proto?: 'tcp' | 'udp' | undefined;
  process?: string | undefined;
  user?: string | undefined;
}

export interface WorkspaceDir {
  path: string;
  /** `24h`, `7d`…; absent = the directory must be empty. */
  maxAge?: string | undefined;
}

/** What a check runs or reads. Paths are host paths read through the sampler's FsRoot. */
export type CheckSource =
  | { kind: 'command'; argv: readonly string[] }
  /**
   * A command only root may run, declared as a privileged job (privileged/macos-privileged-jobs.ts):
   * a root agent runs `job.argv` itself; any other agent reads the last run from the file launchd
   * writes as root, as a `command` read (exit 0, stdout = the file).
   */
  | { kind: 'root-output'; job: PrivilegedJob }
  | { kind: 'file'; path: string }
  /** Several files plus every entry of some directories (`sshd_config` + `sshd_config.d/*.conf`). */
  | { kind: 'files'; paths: readonly string[]; dirs?: readonly { path: string; suffix?: string }[] }
  | { kind: 'dir'; path: string }
  /** /proc/net/{tcp,tcp6,udp,udp6}, /etc/passwd and, where readable, /proc/<pid>/fd socket owners. */
  | { kind: 'proc-net' }
  /** /proc/mounts and /sys/block/dm-* (name, uuid, slaves): is `mount` on dm-crypt. */
  | { kind: 'block-devices'; mount: string }
  /** Entries of operator-named directories with their age, via the injected HostProbe.stat. */
  | { kind: 'aged-entries'; dirs: readonly { path: string; maxAgeMs: number | null }[] }
  /** The agent's own uid, injected (process.getuid in production). */
  | { kind: 'agent-uid' }
  /**
   * Reads combined by one parser (firewall: ufw.conf, then systemd's nftables and firewalld). A part
   * named in `when` is read only if its condition on an unconditional part holds (the dnf timers
   * only where dnf-automatic's config exists), so a host pays for no program whose answer the parser
   * would ignore; otherwise it is `unavailable` ("not read: …").
   */
  | {
      kind: 'any-of';
      parts: Readonly<Record<string, CheckSource>>;
      when?: Readonly<Record<string, PartCondition>>;
    };

/**
 * `present`: the named part was read and holds something (a file's text, a directory's files, a
 * command's exit 0); `absent`: it does not. Only unconditional parts may be named.
 */
export type PartCondition = { present: string } | { absent: string };

/** A part of an `any-of` read that could not be made (missing command, systemd not running…). */
export interface UnavailableRead {
  kind: 'unavailable';
  reason: string;
}

export type RawRead =
  | { kind: 'command'; exitCode: number; stdout: string; stderr: string }
  | { kind: 'file'; path: string; text: string | null }
  | { kind: 'files'; files: { path: string; text: string | null }[] }
  | { kind: 'dir'; path: string; entries: string[] | null }
  | {
      kind: 'proc-net';
      tables: Record<'tcp' | 'tcp6' | 'udp' | 'udp6', string | null>;
      passwd: string | null;
      /** socket inode → process name, for the processes whose fds were readable. */
      socketOwners: Record<string, string>;
      unreadableProcesses: number;
    }
  | {
      kind: 'block-devices';
      mount: string;
      mounts: string | null;
      dm: { device: string; name: string; uuid: string; slaves: string[] }[];
    }
  | { kind: 'aged-entries'; dirs: { path: string; maxAgeMs: number | null; entries: AgedEntry[] | null }[] }
  | { kind: 'agent-uid'; uid: number }
  | { kind: 'any-of'; parts: Record<string, RawRead | UnavailableRead> };

export interface AgedEntry {
  name: string;
  ageMs: number;
}

export type Expectation =
  | { op: 'equals'; value: string }
  | { op: 'one-of'; value: string[] }
  | { op: 'version-at-least'; value: string }
  /** Observed is a JSON list; every item must match one of these globs (`*`, `?`). */
  | { op: 'subset-of'; value: string[] }
  /** Observed is a JSON list that must be empty. */
  | { op: 'empty' };

/** An expectation that needs params the baseline did not give: the check is skipped, saying which. */
export interface NotConfigured {
  notConfigured: string;
}

export interface DriftCheck {
  id: string;
  title: string;
  platform: 'darwin' | 'linux' | 'any';
  reads: CheckSource | ((params: DriftParams) => CheckSource | NotConfigured);
  needsRoot: boolean;
  controls: { soc2: string[]; iso27001: string[] };
  /** Pure. Throws CheckParseError on output it does not understand, CheckNotApplicable when the thing is absent. */
  parse(raw: RawRead): string;
  expect: Expectation | ((params: DriftParams) => Expectation | NotConfigured);
  /** How `captureBaseline` records today's value; default `expect: <observed>`. */
  capture?: (observed: string) => { params?: DriftParams; expect?: Expectation | string };
}

export type CheckStatus = 'pass' | 'fail' | 'skipped' | 'error';

export interface CheckOutcome {
  id: string;
  status: CheckStatus;
  observed: string | null;
  expected: string;
  reason?: string;
}

export class CheckParseError extends Error {
  override readonly name = 'CheckParseError';
  readonly code = 'drift-parse';
}

/** The thing a check looks at is not on this host (sshd not installed): `skipped`, not `error`. */
export class CheckNotApplicable extends Error {
  override readonly name = 'CheckNotApplicable';
  readonly code = 'drift-not-applicable';
}

/** "SOC2:CC6.6,ISO27001:A.8.20": framework-prefixed ids, SOC 2 first, comma-joined, no spaces. */
export function formatControls(controls: DriftCheck['controls']): string {
  return [...controls.soc2.map((c) => `SOC2:${c}`), ...controls.iso27001.map((c) => `ISO27001:${c}`)].join(
    ',',
  );
}

export function isNotConfigured(value: object): value is NotConfigured {
  return 'notConfigured' in value;
}
