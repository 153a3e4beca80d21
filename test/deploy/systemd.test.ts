import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import {
  agentConfigSchema,
  agentFlagKeys,
  collectorConfigSchema,
  collectorFlagKeys,
  loadConfig,
  metricsAuth,
} from '@perimeter/schema';
import { describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS } from '../helpers/agent-build.ts';

/**
 * deploy/systemd: the two units, the sysusers.d and tmpfiles.d files, and the example configs.
 * Read three ways: a strict reading of the unit files here (the hardening keys and their values,
 * the data directory as the only writable path); systemd's own parsers where systemd-analyze is
 * installed (`verify`, which works without systemd as PID 1, on a copy whose ExecStart names this
 * Node because verify refuses a missing binary; and `security --offline` for the exposure score);
 * and systemd-sysusers / systemd-tmpfiles applied to a scratch --root.
 */

const DEPLOY = resolve(import.meta.dirname, '../../deploy/systemd');
const UNIT_NODE = '/usr/local/lib/perimeter/node/bin/node';

function findTool(name: string): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  return dirs.map((dir) => join(dir, name)).find((path) => path.startsWith('/') && existsSync(path)) ?? null;
}
const systemdAnalyze = findTool('systemd-analyze');
const sysusers = findTool('systemd-sysusers');
const tmpfiles = findTool('systemd-tmpfiles');
const isRoot = process.getuid?.() === 0;
const noSystemd = 'not installed (Debian: the systemd package)';
if (systemdAnalyze === null) {
  console.warn(`systemd.test.ts: systemd-analyze ${noSystemd}; verify and security are skipped`);
}

type Unit = Record<string, Record<string, string[]>>;

/** systemd.syntax(7): [Section] headers, Key=Value lines (a key may repeat), # and ; comments. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = unit[header[1] as string] ?? {};
      unit[header[1] as string] = section;
      continue;
    }
    const eq = line.indexOf('=');
    if (section === undefined || eq < 1) throw new Error(`not a unit line: ${line}`);
    const key = line.slice(0, eq).trim();
    const values = section[key] ?? [];
    values.push(line.slice(eq + 1).trim());
    section[key] = values;
  }
  return unit;
}

const readUnit = (name: string) => parseUnit(readFileSync(join(DEPLOY, name), 'utf8'));
/** The last assignment wins for single-valued keys. */
const one = (unit: Unit, key: string) => unit['Service']?.[key]?.at(-1);

/** Keys every Perimeter service must set, with the value each must have. */
const HARDENING: Record<string, string> = {
  DynamicUser: 'no',
  NoNewPrivileges: 'yes',
  ProtectSystem: 'strict',
  ProtectHome: 'yes',
  PrivateTmp: 'yes',
  PrivateMounts: 'yes',
  ProtectKernelTunables: 'yes',
  ProtectKernelModules: 'yes',
  ProtectKernelLogs: 'yes',
  ProtectControlGroups: 'yes',
  ProtectHostname: 'yes',
  ProtectProc: 'invisible',
  RestrictAddressFamilies: 'AF_INET AF_INET6 AF_UNIX',
  RestrictNamespaces: 'yes',
  RestrictRealtime: 'yes',
  RestrictSUIDSGID: 'yes',
  LockPersonality: 'yes',
  SystemCallArchitectures: 'native',
  CapabilityBoundingSet: '',
  AmbientCapabilities: '',
  UMask: '0077',
  Restart: 'on-failure',
};

const SERVICES = [
  {
    file: 'perimeter-collector.service',
    user: 'perimeter-collector',
    program: 'collector',
    command: 'serve',
    entry: ['/usr/local/lib/perimeter/app/packages/collector/src/cli.ts'],
  },
  {
    file: 'perimeter-agent.service',
    user: 'perimeter-agent',
    program: 'agent',
    command: 'run',
    // The agent runs bundled, with the flags that keep it under its memory budget (build-agent.ts).
    entry: [
      '--no-opt',
      '--max-semi-space-size=1',
      '--expose-gc',
      '/usr/local/lib/perimeter/app/packages/agent/dist/perimeter-agent.js',
    ],
  },
] as const;

describe.each(SERVICES)('deploy/systemd/$file', ({ file, user, program, command, entry }) => {
  const unit = readUnit(file);
  const dataDir = `/var/lib/perimeter/${program}`;

  it('runs as its own static user from perimeter.sysusers.conf, not root and not a DynamicUser', () => {
    expect(one(unit, 'User')).toBe(user);
    expect(one(unit, 'Group')).toBe(user);
    const sysusersText = readFileSync(join(DEPLOY, 'perimeter.sysusers.conf'), 'utf8');
    expect(sysusersText).toMatch(new RegExp(`^u\\s+${user}\\s`, 'm'));
  });

  it('sets every hardening key to the required value', () => {
    for (const [key, value] of Object.entries(HARDENING)) {
      expect(unit['Service']?.[key], key).toEqual([value]);
    }
    expect(unit['Service']?.['SystemCallFilter']).toEqual(['@system-service', '~@privileged']);
    expect(Number.parseInt(one(unit, 'RestartSec') ?? '', 10)).toBeGreaterThan(0);
  });

  it('may write only its data directory, which is its StateDirectory, 0700', () => {
    expect(unit['Service']?.['ReadWritePaths']).toEqual([dataDir]);
    expect(one(unit, 'StateDirectory')).toBe(`perimeter/${program}`);
    expect(one(unit, 'StateDirectoryMode')).toBe('0700');
    expect(one(unit, 'WorkingDirectory')).toBe(dataDir);
    for (const key of [
      'LogsDirectory',
      'CacheDirectory',
      'RuntimeDirectory',
      'ReadOnlyPaths',
      'InaccessiblePaths',
    ]) {
      expect(unit['Service']?.[key], key).toBeUndefined();
    }
  });

  it('starts the program with the config file and the data directory', () => {
    if (program === 'agent') expect(entry.slice(0, -1)).toEqual(AGENT_NODE_FLAGS);
    expect(one(unit, 'ExecStart')?.split(/\s+/)).toEqual([
      UNIT_NODE,
      ...entry,
      command,
      '--config',
      `/etc/perimeter/${program}.yaml`,
      '--data-dir',
      dataDir,
    ]);
    expect(one(unit, 'EnvironmentFile')).toBe(`-/etc/perimeter/${program}.env`);
    expect(unit['Install']?.['WantedBy']).toEqual(['multi-user.target']);
  });

  it('never turns on MemoryDenyWriteExecute (V8 JIT) or ProcSubset=pid', () => {
    expect(unit['Service']?.['MemoryDenyWriteExecute']).toBeUndefined();
    expect(unit['Service']?.['ProcSubset']).toBeUndefined();
  });

  it.skipIf(systemdAnalyze === null)(
    `passes systemd-analyze verify with no warning${systemdAnalyze === null ? ` (skipped: ${noSystemd})` : ''}`,
    () => {
      const copy = stagedUnit(file);
      const result = spawnSync(systemdAnalyze ?? '', ['verify', '--man=no', copy], { encoding: 'utf8' });
      // verify exits 0 on an unknown key or an unparsable value and only warns: any output fails.
      expect(result.status, result.stderr).toBe(0);
      expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    },
  );

  it.skipIf(systemdAnalyze === null)(
    `scores "OK" or better in systemd-analyze security --offline${systemdAnalyze === null ? ` (skipped: ${noSystemd})` : ''}`,
    () => {
      const copy = stagedUnit(file);
      // --threshold is the exposure times ten: 2.0 ("OK") and below passes.
      const result = spawnSync(
        systemdAnalyze ?? '',
        ['security', '--offline=yes', '--threshold=20', '--no-pager', copy],
        {
          encoding: 'utf8',
        },
      );
      expect(result.status, result.stdout).toBe(0);
      expect(result.stdout).toMatch(/Overall exposure level for .*: [0-1]\.\d|: 2\.0/);
    },
  );
});

describe('deploy/systemd/perimeter-agent.service: what the agent needs', () => {
  const unit = readUnit('perimeter-agent.service');

  it('reads logins through the systemd-journal and adm groups, with no capability', () => {
    expect(one(unit, 'SupplementaryGroups')?.split(/\s+/).sort()).toEqual(['adm', 'systemd-journal']);
    expect(one(unit, 'CapabilityBoundingSet')).toBe('');
  });

  it('keeps /dev/nvidia* reachable: no PrivateDevices, DevicePolicy, DeviceAllow or ProtectClock', () => {
    for (const key of ['PrivateDevices', 'DevicePolicy', 'DeviceAllow', 'ProtectClock', 'PrivateUsers']) {
      expect(unit['Service']?.[key], key).toBeUndefined();
    }
  });
});

describe('deploy/systemd/perimeter-collector.service: what the collector needs', () => {
  const unit = readUnit('perimeter-collector.service');

  it('has no device access and cannot touch the clock', () => {
    expect(one(unit, 'PrivateDevices')).toBe('yes');
    expect(one(unit, 'ProtectClock')).toBe('yes');
    expect(one(unit, 'SupplementaryGroups')).toBeUndefined();
  });
});

describe('deploy/systemd example configs', () => {
  it('agent.yaml is valid for the agent schema and carries no token (agent.env does)', () => {
    const file = join(DEPLOY, 'agent.yaml');
    const config = loadConfig(agentConfigSchema, agentFlagKeys, { file, env: {} });
    expect(config.token).toBeUndefined();
    expect(config.collector).toMatch(/^https:\/\//);
    expect(config.ship.tls).toEqual({ ca: '/etc/perimeter/tls/ca.pem' });
    expect(readFileSync(file, 'utf8')).not.toMatch(/^\s*dataDir:/m);
  });

  it('collector.yaml is valid for the collector schema and listens on 4318', () => {
    const file = join(DEPLOY, 'collector.yaml');
    const config = loadConfig(collectorConfigSchema, collectorFlagKeys, { file, env: {} });
    expect(config.listen).toBe('0.0.0.0:4318');
    // Off loopback: HTTPS with the lab CA's certificate, and /metrics behind a reader token.
    expect(config.tls).toEqual({
      cert: '/etc/perimeter/tls/collector.pem',
      key: '/etc/perimeter/tls/collector.key',
    });
    expect(metricsAuth(config)).toBe('token');
    expect(readFileSync(file, 'utf8')).not.toMatch(/^\s*dataDir:/m);
  });
});

describe('deploy/systemd sysusers.d and tmpfiles.d', () => {
  const root = mkdtempSync(join(tmpdir(), 'perimeter-sysroot-'));
  mkdirSync(join(root, 'etc/perimeter'), { recursive: true });
  mkdirSync(join(root, 'usr/lib/sysusers.d'), { recursive: true });
  mkdirSync(join(root, 'usr/lib/tmpfiles.d'), { recursive: true });
  copyFileSync(join(DEPLOY, 'perimeter.sysusers.conf'), join(root, 'usr/lib/sysusers.d/perimeter.conf'));
  copyFileSync(join(DEPLOY, 'perimeter.tmpfiles.conf'), join(root, 'usr/lib/tmpfiles.d/perimeter.conf'));

  it.skipIf(sysusers === null)(
    `systemd-sysusers --root creates both users with nologin shells${sysusers === null ? ` (skipped: systemd-sysusers ${noSystemd})` : ''}`,
    () => {
      const result = spawnSync(sysusers ?? '', [`--root=${root}`], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
      for (const user of ['perimeter-collector', 'perimeter-agent']) {
        const line = passwd.split('\n').find((l) => l.startsWith(`${user}:`)) ?? '';
        const [, , uid, gid, , home, shell] = line.split(':');
        expect(Number(uid), user).toBeGreaterThan(0);
        expect(Number(uid), user).toBeLessThan(1000);
        expect(gid, user).toBe(uid);
        expect(home, user).toBe('/');
        expect(shell, user).toBe('/usr/sbin/nologin');
      }
    },
  );

  it.skipIf(tmpfiles === null || sysusers === null || !isRoot)(
    `systemd-tmpfiles --root gives /etc/perimeter's files their owners and modes${
      tmpfiles === null || sysusers === null
        ? ` (skipped: systemd-tmpfiles ${noSystemd})`
        : !isRoot
          ? ' (skipped: chown needs root)'
          : ''
    }`,
    () => {
      if (!existsSync(join(root, 'etc/passwd'))) {
        expect(spawnSync(sysusers ?? '', [`--root=${root}`]).status).toBe(0);
      }
      mkdirSync(join(root, 'etc/perimeter/tls'), { recursive: true });
      for (const name of ['agent.yaml', 'agent.env', 'collector.yaml', 'tls/collector.key', 'tls/node.key']) {
        writeFileSync(join(root, 'etc/perimeter', name), 'x\n', { mode: 0o644 });
      }
      const result = spawnSync(tmpfiles ?? '', [`--root=${root}`, '--create'], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const gid = (user: string) =>
        Number(
          readFileSync(join(root, 'etc/group'), 'utf8')
            .split('\n')
            .find((l) => l.startsWith(`${user}:`))
            ?.split(':')[2],
        );
      const stat = (name: string) => {
        const s = spawnSync('stat', ['-c', '%u %g %a', join(root, 'etc/perimeter', name)], {
          encoding: 'utf8',
        });
        return s.stdout.trim();
      };
      expect(stat('agent.yaml')).toBe(`0 ${gid('perimeter-agent')} 640`);
      expect(stat('agent.env')).toBe('0 0 600');
      expect(stat('collector.yaml')).toBe(`0 ${gid('perimeter-collector')} 640`);
      expect(stat('tls')).toBe('0 0 755');
      expect(stat('tls/collector.key')).toBe(`0 ${gid('perimeter-collector')} 640`);
      expect(stat('tls/node.key')).toBe(`0 ${gid('perimeter-agent')} 640`);
      // `z` never creates: the collector.env that is not there stays absent.
      expect(existsSync(join(root, 'etc/perimeter/collector.env'))).toBe(false);
    },
  );
});

/** A copy of the unit whose ExecStart names this Node, since verify refuses a missing binary. */
function stagedUnit(file: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'perimeter-unit-'));
  const text = readFileSync(join(DEPLOY, file), 'utf8');
  expect(text).toContain(`ExecStart=${UNIT_NODE} `);
  writeFileSync(join(dir, file), text.replace(`ExecStart=${UNIT_NODE} `, `ExecStart=${process.execPath} `));
  return join(dir, file);
}
