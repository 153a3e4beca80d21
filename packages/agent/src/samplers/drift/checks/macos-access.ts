import { MACOS_REMOTE_LOGIN_JOB } from '../../../privileged/macos-privileged-jobs.ts';
import type { DriftCheck } from '../check.ts';
import {
  lastLine,
  parseAdminMembership,
  parseSshAccessGroup,
  parseSystemsetupOnOff,
} from '../parse/macos.ts';
import { expectKind, stdoutOf } from '../parse/raw.ts';
import { captureList } from './common.ts';
import { sshdChecks } from './sshd.ts';

/** macOS remote access and the agent's own privileges. Controls: research/compliance-and-naming.md §3. */

const SSH_CONTROLS = { soc2: ['CC6.1', 'CC6.6'], iso27001: ['A.5.15', 'A.8.5', 'A.8.2', 'A.8.20'] };

export const macosAccessChecks: readonly DriftCheck[] = [
  {
    id: 'macos.ssh.remote-login',
    title: 'Remote Login (SSH) state matches the baseline (default off)',
    platform: 'darwin',
    // "You need administrator access to run this tool" without root: a non-root agent reads the
    // root job's file (docs/least-privilege.md).
    reads: { kind: 'root-output', job: MACOS_REMOTE_LOGIN_JOB },
    needsRoot: true,
    controls: SSH_CONTROLS,
    parse: (raw) => parseSystemsetupOnOff(lastLine(stdoutOf(raw)), 'Remote Login'),
    expect: { op: 'equals', value: 'off' },
  },
  {
    id: 'macos.ssh.allowed-users',
    title: 'Only allow-listed users may log in over SSH (com.apple.access_ssh)',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['dscl', '.', '-read', '/Groups/com.apple.access_ssh'] },
    needsRoot: false,
    controls: { soc2: ['CC6.1', 'CC6.2'], iso27001: ['A.5.15', 'A.5.18', 'A.8.5'] },
    parse: (raw) => {
      const read = expectKind(raw, 'command');
      return parseSshAccessGroup(read.exitCode, read.stdout, read.stderr);
    },
    expect: (params) =>
      params.allowedSshUsers === undefined
        ? { notConfigured: 'params.allowedSshUsers' }
        : { op: 'subset-of', value: params.allowedSshUsers },
    capture: captureList('allowedSshUsers'),
  },
  {
    id: 'macos.agent.admin',
    title: 'The agent user is not in the admin group',
    platform: 'darwin',
    reads: { kind: 'command', argv: ['id', '-Gn'] },
    needsRoot: false,
    controls: { soc2: ['CC6.3'], iso27001: ['A.8.2', 'A.5.15'] },
    parse: (raw) => parseAdminMembership(stdoutOf(raw)),
    expect: { op: 'equals', value: 'no' },
  },
  ...sshdChecks('macos', 'darwin'),
];
